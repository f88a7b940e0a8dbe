import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRandom } from '../src/random.ts';
import type { Action } from './browser/harness.ts';
import { runOnGpu } from './support/browser.ts';
import { expectClose, expectIdentical } from './support/compare.ts';
import { checkGradient } from './support/gradcheck.ts';
import { randomArray, randomF32, randomInt, suiteSeed } from './support/random.ts';
import { tanhBackward, tanhForward } from './reference/tanh.ts';
import { linearBackwardInput, linearBackwardWeight, linearForward, type LinearShape } from './reference/linear.ts';

const test = suite('linear');
const SEED = suiteSeed(202);

// Each output is one f32 sum of K products; each addition rounds by at most 2⁻²⁴ times the
// running sum, and K such errors drift like √K. atol bounds that drift for outputs near 0, with
// ~4× margin; rtol covers the larger outputs.
// forward / backwardInput: K = in ≤ 150 (resp. out ≤ 100), x and dy in [-1, 1], weights at
// PyTorch's init scale, so running sums stay below ~3: √150·3·2⁻²⁴ ≈ 2e-6.
const TOL = { atol: 1e-5, rtol: 1e-4 };
// backwardWeight: K = batch ≤ 256 products of two values in [-1, 1]; running sums reach ~20
// (4σ of a 256-term sum): √256·20·2⁻²⁴ ≈ 2e-5.
const WEIGHT_TOL = { atol: 8e-5, rtol: 1e-4 };

// LeNet-5's fc1 and fc2 at batch 1, 16 and 256, its conv3 as a product (in 400), plus sizes that
// are not multiples of the 8×8 tile or of the 16-invocation workgroup (in stays a multiple of 4:
// Linear refuses others).
const SHAPES: LinearShape[] = [
  { batch: 1, inFeatures: 120, outFeatures: 84 },
  { batch: 16, inFeatures: 120, outFeatures: 84 },
  { batch: 256, inFeatures: 120, outFeatures: 84 },
  { batch: 1, inFeatures: 84, outFeatures: 10 },
  { batch: 256, inFeatures: 84, outFeatures: 10 },
  { batch: 64, inFeatures: 400, outFeatures: 120 },
  { batch: 1, inFeatures: 4, outFeatures: 1 },
  { batch: 3, inFeatures: 4, outFeatures: 7 },
  { batch: 5, inFeatures: 12, outFeatures: 3 },
  { batch: 67, inFeatures: 20, outFeatures: 66 },
];

const describe = (s: LinearShape) => `[N ${s.batch}, in ${s.inFeatures}, out ${s.outFeatures}]`;

interface LinearData {
  x: number[];
  w: number[];
  b: number[];
  dy: number[];
}

/** x and dy in [-1, 1]; weights and bias at PyTorch's init scale U(±1/√in). */
function makeData(rng: SeededRandom, s: LinearShape): LinearData {
  const bound = 1 / Math.sqrt(s.inFeatures);
  return {
    x: randomF32(rng, s.batch * s.inFeatures),
    w: randomF32(rng, s.outFeatures * s.inFeatures, -bound, bound),
    b: randomF32(rng, s.outFeatures, -bound, bound),
    dy: randomF32(rng, s.batch * s.outFeatures),
  };
}

/** Outputs start filled with junk, so a kernel that accumulates instead of overwriting fails. */
function tensorsFor(s: LinearShape, d: LinearData) {
  const junk = (n: number) => new Array<number>(n).fill(1e3);
  return {
    x: { shape: [s.batch, s.inFeatures], data: d.x },
    w: { shape: [s.outFeatures, s.inFeatures], data: d.w },
    b: { shape: [s.outFeatures], data: d.b },
    dy: { shape: [s.batch, s.outFeatures], data: d.dy },
    y: { shape: [s.batch, s.outFeatures], data: junk(s.batch * s.outFeatures) },
    dx: { shape: [s.batch, s.inFeatures], data: junk(s.batch * s.inFeatures) },
    dw: { shape: [s.outFeatures, s.inFeatures], data: junk(s.outFeatures * s.inFeatures) },
    db: { shape: [s.outFeatures], data: junk(s.outFeatures) },
  };
}

const ALL_CALLS: Action[] = [
  { call: 'fc', method: 'forward', args: ['x', 'w', 'b', 'y'] },
  { call: 'fc', method: 'backwardInput', args: ['dy', 'w', 'dx'] },
  { call: 'fc', method: 'backwardWeight', args: ['x', 'dy', 'dw', 'db'] },
  { read: ['y', 'dx', 'dw', 'db'] },
];

test('reference backward matches finite differences', () => {
  const rng = new SeededRandom(SEED);
  const s = { batch: 3, inFeatures: 4, outFeatures: 5 };
  const x = randomArray(rng, 12);
  const w = randomArray(rng, 20);
  const b = randomArray(rng, 5);
  const dy = randomArray(rng, 15);
  const { dw, db } = linearBackwardWeight(s, x, dy);
  checkGradient('linear dx', x, (v) => linearForward(s, v, w, b), linearBackwardInput(s, dy, w), dy);
  checkGradient('linear dweight', w, (v) => linearForward(s, x, v, b), dw, dy);
  checkGradient('linear dbias', b, (v) => linearForward(s, x, w, v), db, dy);
});

test('forward, backwardInput and backwardWeight match the reference', async () => {
  const rng = new SeededRandom(SEED + 1);
  const random = { batch: randomInt(rng, 1, 40), inFeatures: 4 * randomInt(rng, 1, 38), outFeatures: randomInt(rng, 1, 100) };
  for (const s of [...SHAPES, random]) {
    const d = makeData(rng, s);
    const result = await runOnGpu({ tensors: tensorsFor(s, d), ops: { fc: { op: 'Linear', args: [s] } }, actions: ALL_CALLS });
    assert.not.ok(result.error, result.error?.message);
    const got = result.reads[0]!.tensors;
    const context = `seed ${SEED + 1} shape ${describe(s)}`;
    const { dw, db } = linearBackwardWeight(s, d.x, d.dy);
    expectClose(got.y!, linearForward(s, d.x, d.w, d.b), TOL, `linear forward ${context}`);
    expectClose(got.dx!, linearBackwardInput(s, d.dy, d.w), TOL, `linear backwardInput ${context}`);
    expectClose(got.dw!, dw, WEIGHT_TOL, `linear backwardWeight dWeight ${context}`);
    expectClose(got.db!, db, WEIGHT_TOL, `linear backwardWeight dBias ${context}`);
  }
});

test('every output is bit-identical run after run', async () => {
  const rng = new SeededRandom(SEED + 2);
  const s = { batch: 256, inFeatures: 120, outFeatures: 84 };
  const result = await runOnGpu({
    tensors: tensorsFor(s, makeData(rng, s)),
    ops: { fc: { op: 'Linear', args: [s] } },
    actions: [...ALL_CALLS, ...ALL_CALLS],
  });
  assert.not.ok(result.error, result.error?.message);
  const [first, second] = result.reads;
  for (const name of ['y', 'dx', 'dw', 'db']) {
    expectIdentical(first!.tensors[name]!, second!.tensors[name]!, `linear ${name} seed ${SEED + 2} shape ${describe(s)}`);
  }
});

test('fused tanh: forward_tanh and backwardInput through a tanh equal Linear + Tanh bit for bit, and the reference', async () => {
  const rng = new SeededRandom(SEED + 4);
  // fc1 → tanh → fc2 of LeNet-5, and a shape off every tile edge.
  for (const s of [{ batch: 64, inFeatures: 120, outFeatures: 84 }, { batch: 13, inFeatures: 12, outFeatures: 20 }]) {
    const d = makeData(rng, s);
    // The layer after the tanh: its input is t = tanh(y), its dy arbitrary.
    const next = { batch: s.batch, inFeatures: s.outFeatures, outFeatures: 10 };
    const w2 = randomF32(rng, 10 * s.outFeatures, -0.3, 0.3);
    const dy2 = randomF32(rng, s.batch * 10);
    const result = await runOnGpu({
      tensors: {
        ...tensorsFor(s, d),
        t: { shape: [s.batch, s.outFeatures] }, a: { shape: [s.batch, s.outFeatures] },
        w2: { shape: [10, s.outFeatures], data: w2 }, dy2: { shape: [s.batch, 10], data: dy2 },
        dz: { shape: [s.batch, s.outFeatures] }, da: { shape: [s.batch, s.outFeatures] }, dz2: { shape: [s.batch, s.outFeatures] },
      },
      ops: {
        fused: { op: 'Linear', args: [{ ...s, activation: 'tanh' }] }, plain: { op: 'Linear', args: [s] },
        tanh: { op: 'Tanh', args: [[s.batch, s.outFeatures]] }, fc2: { op: 'Linear', args: [next] },
      },
      actions: [
        { call: 'fused', method: 'forward', args: ['x', 'w', 'b', 't'] },
        { call: 'plain', method: 'forward', args: ['x', 'w', 'b', 'y'] },
        { call: 'tanh', method: 'forward', args: ['y', 'a'] },
        { call: 'fc2', method: 'backwardInput', args: ['dy2', 'w2', 'dz', 't'] },
        { call: 'fc2', method: 'backwardInput', args: ['dy2', 'w2', 'da'] },
        { call: 'tanh', method: 'backward', args: ['a', 'da', 'dz2'] },
        { read: ['t', 'a', 'dz', 'dz2'] },
      ],
    });
    assert.not.ok(result.error, result.error?.message);
    const r = result.reads[0]!.tensors;
    const context = `seed ${SEED + 4} shape ${describe(s)}`;
    expectIdentical(r.t!, r.a!, `forward_tanh vs linear + tanh ${context}`);
    expectIdentical(r.dz!, r.dz2!, `backwardInput through tanh vs linear + tanh backward ${context}`);
    const t = tanhForward(linearForward(s, d.x, d.w, d.b));
    expectClose(r.t!, t, TOL, `forward_tanh vs reference ${context}`);
    expectClose(r.dz!, tanhBackward(Array.from(r.t!), linearBackwardInput(next, dy2, w2)), TOL, `backwardInput through tanh vs reference ${context}`);
  }
});

test('invalid config is refused with the field named', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ batch: 0, inFeatures: 4, outFeatures: 2 }, /Linear: batch must be a positive integer, got 0/],
    [{ batch: 2, inFeatures: 2.5, outFeatures: 2 }, /Linear: inFeatures must be a positive integer, got 2\.5/],
    [{ batch: 2, inFeatures: 4, outFeatures: -1 }, /Linear: outFeatures must be a positive integer, got -1/],
    [{ batch: 2, inFeatures: 4 }, /Linear: outFeatures must be a positive integer, got undefined/],
    [{ batch: 2, inFeatures: 4, outFeatures: 2, activation: 'relu' }, /Linear: activation must be 'tanh' or left out, got relu/],
    [{ batch: 2, inFeatures: 30, outFeatures: 2 }, /Linear: inFeatures must be a multiple of 4 \(rows along it are read as vec4\), got 30/],
  ];
  for (const [config, message] of cases) {
    const result = await runOnGpu({ tensors: {}, ops: { fc: { op: 'Linear', args: [config] } }, actions: [] });
    assert.is(result.error?.name, 'RangeError', JSON.stringify(config));
    assert.match(result.error?.message ?? '', message);
  }
});

test('mismatched shapes are refused with the op and tensor named', async () => {
  const s = { batch: 2, inFeatures: 4, outFeatures: 5 };
  const tensors = {
    ...tensorsFor(s, makeData(new SeededRandom(SEED + 3), s)),
    wT: { shape: [4, 5] },
    x3: { shape: [3, 4] },
    db6: { shape: [6] },
  };
  const cases: [Action, RegExp][] = [
    [{ call: 'fc', method: 'forward', args: ['x', 'wT', 'b', 'y'] }, /linear forward: weight has shape \[4, 5\] but \[5, 4\] was expected/],
    [{ call: 'fc', method: 'forward', args: ['x3', 'w', 'b', 'y'] }, /linear forward: x has shape \[3, 4\] but \[2, 4\] was expected/],
    [{ call: 'fc', method: 'backwardInput', args: ['dy', 'w', 'y'] }, /linear backwardInput: dx has shape \[2, 5\] but \[2, 4\] was expected/],
    [{ call: 'fc', method: 'backwardWeight', args: ['x', 'dy', 'dw', 'db6'] }, /linear backwardWeight: dBias has shape \[6\] but \[5\] was expected/],
    [{ call: 'fc', method: 'backwardInput', args: ['dy', 'w', 'dx', 'db6'] }, /linear backwardInput: through has shape \[6\] but \[2, 4\] was expected/],
  ];
  for (const [action, message] of cases) {
    const result = await runOnGpu({ tensors, ops: { fc: { op: 'Linear', args: [s] } }, actions: [action] });
    assert.match(result.error?.message ?? '', message);
  }
});

test.run();
