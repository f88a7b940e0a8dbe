import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { counterHash, hashToUnit, SeededRandom } from '../src/random.ts';
import type { ProgramResult } from './browser/harness.ts';
import { harnessPage, runOnGpu } from './support/browser.ts';
import { expectClose, expectIdentical } from './support/compare.ts';
import { randomF32, randomInt, suiteSeed } from './support/random.ts';
import { dropoutBackward, dropoutForward, dropoutMask, type DropoutDraw } from './reference/dropout.ts';

const test = suite('dropout');
const SEED = suiteSeed(301);
// One f32 multiply per element: the GPU's product is the f64 product rounded once to f32, so it
// is within 2^-24 ≈ 6e-8 relative of the reference; dropped elements must be exactly 0 (atol 0).
const TOL = { atol: 0, rtol: 1e-7 };

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const describe = (shape: number[], d: DropoutDraw) => `shape [${shape}] p ${d.p} seed ${d.seed} step ${d.step} layer ${d.layer}`;
const stepAction = (d: DropoutDraw) => ({ step: { step: d.step, seed: d.seed, lr: 1e-3, batch_start: 0 } });

/** Forward x and backward dy under draw d; returns y and dx. */
async function runDropout(shape: number[], d: DropoutDraw, x: number[], dy: number[]): Promise<{ y: number[]; dx: number[] }> {
  const result = await runOnGpu({
    tensors: { x: { shape, data: x }, y: { shape }, dy: { shape, data: dy }, dx: { shape } },
    ops: { drop: { op: 'Dropout', args: [{ shape, p: d.p, layer: d.layer }] } },
    actions: [
      stepAction(d),
      { call: 'drop', method: 'forward', args: ['x', 'y', '$step'] },
      { call: 'drop', method: 'backward', args: ['dy', 'dx', '$step'] },
      { read: ['y', 'dx'] },
    ],
  });
  assert.not.ok(result.error, `${describe(shape, d)}: ${result.error?.message}`);
  return { y: result.reads[0]!.tensors.y!, dx: result.reads[0]!.tensors.dx! };
}

const ones = (n: number) => new Array<number>(n).fill(1);

test('mask and scale match the TypeScript mirror bit for bit (x = 1)', async () => {
  const rng = new SeededRandom(SEED);
  // LeNet-5's dropout input, batch 1, odd sizes not multiples of the 256-element workgroup
  // stride; seeds and steps with the high bit set exercise u32 wrap-around.
  const cases: [number[], DropoutDraw][] = [
    [[16, 16, 5, 5], { p: 0.5, seed: 1, step: 1, layer: 0 }],
    [[1, 16, 5, 5], { p: 0.5, seed: 42, step: 7, layer: 1 }],
    [[3, 7, 11], { p: 0.3, seed: 0xdeadbeef, step: 0x80000001, layer: 0xffffffff }],
    [[1], { p: 0.9, seed: 0, step: 0, layer: 0 }],
    [[randomInt(rng, 1, 9), randomInt(rng, 1, 700)], { p: rng.next(), seed: rng.int(2 ** 32), step: rng.int(2 ** 32), layer: rng.int(4) }],
  ];
  for (const [shape, d] of cases) {
    const n = size(shape);
    const { y, dx } = await runDropout(shape, d, ones(n), ones(n));
    expectIdentical(y, dropoutForward(ones(n), d), `dropout forward ${describe(shape, d)}`);
    expectIdentical(dx, dropoutBackward(ones(n), d), `dropout backward ${describe(shape, d)}`);
  }
});

test('keeps unit values equal to p and drops those just above it (p is not rounded to f32)', async () => {
  const d = { p: 0, seed: 9, step: 3, layer: 2 };
  // An element whose unit value u is in [0.5, 1), where f32 spacing is 2^-24: u + 2^-26 would
  // round to u in f32, so only an exact comparison drops element i at p = u + 2^-26.
  const i = Array.from({ length: 64 }, (_, k) => k).find((k) => hashToUnit(counterHash(d.seed, d.step, d.layer, k)) >= 0.5)!;
  const u = hashToUnit(counterHash(d.seed, d.step, d.layer, i));
  for (const p of [u, u + 2 ** -26]) {
    const draw = { ...d, p };
    const { y } = await runDropout([64], draw, ones(64), ones(64));
    expectIdentical(y, dropoutForward(ones(64), draw), `dropout forward ${describe([64], draw)}`);
    assert.is(y[i] !== 0, p === u, `element ${i} with unit value ${u} at p ${p}`);
  }
});

test('forward and backward match the reference on random data', async () => {
  const rng = new SeededRandom(SEED + 1);
  for (const [shape, d] of [
    [[16, 16, 5, 5], { p: 0.5, seed: 5, step: 11, layer: 0 }],
    [[2, 3, 5, 7], { p: 0.25, seed: 77, step: 1, layer: 3 }],
  ] as [number[], DropoutDraw][]) {
    const n = size(shape);
    const x = randomF32(rng, n, -4, 4);
    const dy = randomF32(rng, n);
    const { y, dx } = await runDropout(shape, d, x, dy);
    const context = `seed ${SEED + 1} ${describe(shape, d)}`;
    expectClose(y, dropoutForward(x, d), TOL, `dropout forward ${context}`);
    expectClose(dx, dropoutBackward(dy, d), TOL, `dropout backward ${context}`);
  }
});

test('kept fraction is within 5 standard deviations of 1 − p on a large tensor', async () => {
  const shape = [256, 1024];
  const n = size(shape);
  for (const d of [{ p: 0.5, seed: 123, step: 1, layer: 0 }, { p: 0.2, seed: 321, step: 9, layer: 1 }]) {
    const { y } = await runDropout(shape, d, ones(n), []);
    expectIdentical(y, dropoutForward(ones(n), d), `dropout forward ${describe(shape, d)}`);
    const kept = y.filter((v) => v !== 0).length;
    const sigma = Math.sqrt(n * d.p * (1 - d.p));
    assert.ok(Math.abs(kept - n * (1 - d.p)) <= 5 * sigma, `${describe(shape, d)}: kept ${kept} of ${n}, expected ${n * (1 - d.p)} ± ${5 * sigma}`);
  }
});

test('a different seed, step or layer gives a different mask; the same draw gives the same', async () => {
  const shape = [64, 16, 5, 5];
  const n = size(shape);
  const base = { p: 0.5, seed: 1000, step: 50, layer: 0 };
  const draws = [base, { ...base, seed: 1001 }, { ...base, step: 51 }, { ...base, layer: 1 }, base];
  // One program: the step uniform is rewritten between dispatches, as the trainer does.
  const result = await runOnGpu({
    tensors: { x: { shape, data: ones(n) }, y: { shape } },
    ops: {
      drop0: { op: 'Dropout', args: [{ shape, p: 0.5, layer: 0 }] },
      drop1: { op: 'Dropout', args: [{ shape, p: 0.5, layer: 1 }] },
    },
    actions: draws.flatMap((d) => [
      stepAction(d),
      { call: `drop${d.layer}`, method: 'forward', args: ['x', 'y', '$step'] },
      { read: ['y'] },
    ]),
  });
  assert.not.ok(result.error, result.error?.message);
  const masks = result.reads.map((r) => r.tensors.y!.map((v) => v !== 0));
  draws.forEach((d, k) => expectIdentical(masks[k]!.map(Number), dropoutMask(n, d).map(Number), `dropout mask ${describe(shape, d)}`));
  for (let k = 1; k < 4; k++) {
    const differing = masks[k]!.filter((m, i) => m !== masks[0]![i]).length;
    // Independent masks at p = 0.5 differ at n/2 positions, σ = √n/2 = 80 here: 0.4n–0.6n is ±32σ.
    assert.ok(differing > 0.4 * n && differing < 0.6 * n, `${describe(shape, draws[k]!)} vs base: ${differing}/${n} positions differ`);
  }
  expectIdentical(masks[4]!.map(Number), masks[0]!.map(Number), 'dropout mask with the same draw');
});

test('backward recomputes the forward mask', async () => {
  const rng = new SeededRandom(SEED + 2);
  const shape = [8, 16, 5, 5];
  const n = size(shape);
  const d = { p: 0.5, seed: 31337, step: 2, layer: 0 };
  const x = randomF32(rng, n, 0.5, 2);
  const { y, dx } = await runDropout(shape, d, x, ones(n));
  const context = `seed ${SEED + 2} ${describe(shape, d)}`;
  expectIdentical(y.map((v) => Number(v !== 0)), dx.map((v) => Number(v !== 0)), `dropout forward vs backward mask ${context}`);
  assert.ok(dx.every((v) => v === 0 || v === 2), `${context}: dx of dy = 1 is not 0 or 1/(1 − p)`);
});

test('p = 0 is the identity', async () => {
  const rng = new SeededRandom(SEED + 3);
  const shape = [5, 16, 5, 5];
  const n = size(shape);
  const x = randomF32(rng, n, -4, 4);
  const dy = randomF32(rng, n);
  const { y, dx } = await runDropout(shape, { p: 0, seed: 7, step: 3, layer: 0 }, x, dy);
  expectIdentical(y, x, `dropout p 0 forward seed ${SEED + 3} shape [${shape}]`);
  expectIdentical(dx, dy, `dropout p 0 backward seed ${SEED + 3} shape [${shape}]`);
});

test('invalid p, layer and shape are refused with the problem named', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ p: 1 }, /Dropout: p must be a number in \[0, 1\), got 1$/],
    [{ p: -0.1 }, /Dropout: p must be a number in \[0, 1\), got -0.1$/],
    [{ p: null }, /Dropout: p must be a number in \[0, 1\), got null$/],
    [{ p: '0.5' }, /Dropout: p must be a number in \[0, 1\), got 0.5$/],
    [{ layer: -1 }, /Dropout: layer must be an integer in \[0, 2\^32 − 1\], got -1/],
    [{ layer: 1.5 }, /Dropout: layer must be an integer in \[0, 2\^32 − 1\], got 1.5/],
    [{ shape: [4, 0] }, /Dropout shape: dimension 1 of shape \[4, 0\] must be a positive integer, got 0/],
  ];
  for (const [change, message] of cases) {
    const result = await runOnGpu({
      tensors: {},
      ops: { drop: { op: 'Dropout', args: [{ shape: [4, 4], p: 0.5, layer: 0, ...change }] } },
      actions: [],
    });
    assert.is(result.error?.name, 'RangeError', JSON.stringify(change));
    assert.match(result.error?.message ?? '', message);
  }
});

test('p = NaN is refused', async () => {
  // Program arguments travel as JSON, which turns NaN into null, so the NaN is written into the
  // page-side function's source instead.
  const { page } = await harnessPage();
  const result = await page.evaluate(() =>
    (globalThis as unknown as { harness: { run(p: unknown): Promise<ProgramResult> } }).harness.run({
      tensors: {},
      ops: { drop: { op: 'Dropout', args: [{ shape: [4], p: NaN, layer: 0 }] } },
      actions: [],
    }));
  assert.is(result.error?.name, 'RangeError');
  assert.match(result.error?.message ?? '', /Dropout: p must be a number in \[0, 1\), got NaN$/);
});

test('mismatched shapes are refused with the tensor and both shapes named', async () => {
  const result = await runOnGpu({
    tensors: { dy: { shape: [2, 16, 5, 5] }, dx: { shape: [2, 400] } },
    ops: { drop: { op: 'Dropout', args: [{ shape: [2, 16, 5, 5], p: 0.5, layer: 0 }] } },
    actions: [{ call: 'drop', method: 'backward', args: ['dy', 'dx', '$step'] }],
  });
  assert.match(result.error?.message ?? '', /Dropout backward: dx has shape \[2, 400\] but \[2, 16, 5, 5\] was expected/);
});

test.run();
