import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRandom } from '../src/random.ts';
import { runOnGpu } from './support/browser.ts';
import { expectClose, expectIdentical } from './support/compare.ts';
import { checkGradient } from './support/gradcheck.ts';
import { randomArray, randomF32, randomInt, suiteSeed } from './support/random.ts';
import { avgPoolBackward, avgPoolForward, poolOutputSize, type PoolShape } from './reference/pool.ts';

const test = suite('avgpool');
const SEED = suiteSeed(201);
// Each output (forward) or input gradient (backward) sums at most k² ≤ 9 f32 terms of magnitude
// ≤ 1 and divides once: the sum's rounding error is ≤ (k² − 1)·2^-24·Σ|terms|, so ≤ 8·6e-8·9/9 ≈
// 5e-7 absolute after the division (atol covers cancellation to ~0), plus 2^-24 relative.
const TOL = { atol: 1e-6, rtol: 1e-5 };

const shapeOf = (s: PoolShape) => [s.batch, s.channels, s.height, s.width];
const outShapeOf = (s: PoolShape) => [s.batch, s.channels, ...poolOutputSize(s)];
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const describe = (s: PoolShape) => `[${shapeOf(s)}] k${s.kernelSize} s${s.stride}`;
const pool = (batch: number, channels: number, height: number, width: number, kernelSize: number, stride: number): PoolShape =>
  ({ batch, channels, height, width, kernelSize, stride });

// LeNet-5's two pools, batch 1, overlapping windows (s < k), gaps between windows (s > k),
// odd sizes whose last rows/columns fall outside every window, and a 1×1 identity pool.
const SHAPES: PoolShape[] = [
  pool(16, 6, 28, 28, 2, 2),
  pool(16, 16, 10, 10, 2, 2),
  pool(1, 6, 28, 28, 2, 2),
  pool(1, 16, 10, 10, 2, 2),
  pool(2, 3, 11, 9, 3, 2),
  pool(1, 2, 7, 13, 3, 1),
  pool(3, 2, 11, 8, 2, 3),
  pool(2, 1, 9, 7, 2, 2),
  pool(1, 1, 1, 1, 1, 1),
  pool(1, 3, 5, 5, 5, 1),
];

test('reference backward matches finite differences', () => {
  const rng = new SeededRandom(SEED);
  for (const s of [pool(1, 2, 7, 6, 3, 1), pool(2, 1, 7, 7, 3, 2), pool(1, 2, 8, 7, 2, 3), pool(1, 1, 6, 6, 2, 2)]) {
    const x = randomArray(rng, size(shapeOf(s)));
    const w = randomArray(rng, size(outShapeOf(s)));
    checkGradient(`avgpool ${describe(s)}`, x, (v) => avgPoolForward(v, s), avgPoolBackward(w, s), w);
  }
});

test('forward and backward match the reference', async () => {
  const rng = new SeededRandom(SEED + 1);
  const k = randomInt(rng, 1, 4);
  const random = pool(randomInt(rng, 1, 4), randomInt(rng, 1, 5), randomInt(rng, k, 19), randomInt(rng, k, 19), k, randomInt(rng, 1, 4));
  for (const s of [...SHAPES, random]) {
    const shape = shapeOf(s);
    const outShape = outShapeOf(s);
    const x = randomF32(rng, size(shape));
    const dy = randomF32(rng, size(outShape));
    const result = await runOnGpu({
      tensors: { x: { shape, data: x }, y: { shape: outShape }, dy: { shape: outShape, data: dy }, dx: { shape } },
      ops: { pool: { op: 'AvgPool2d', args: [s] } },
      actions: [
        { call: 'pool', method: 'forward', args: ['x', 'y'] },
        { call: 'pool', method: 'backward', args: ['dy', 'dx'] },
        { read: ['y', 'dx'] },
      ],
    });
    const context = `seed ${SEED + 1} shape ${describe(s)}`;
    assert.not.ok(result.error, `${context}: ${result.error?.message}`);
    expectClose(result.reads[0]!.tensors.y!, avgPoolForward(x, s), TOL, `avgpool forward ${context}`);
    expectClose(result.reads[0]!.tensors.dx!, avgPoolBackward(dy, s), TOL, `avgpool backward ${context}`);
  }
});

test('overwrites its outputs and is bit-identical run after run', async () => {
  const rng = new SeededRandom(SEED + 2);
  const s = pool(4, 3, 13, 11, 3, 2);
  const shape = shapeOf(s);
  const outShape = outShapeOf(s);
  const x = randomF32(rng, size(shape));
  const dy = randomF32(rng, size(outShape));
  // y and dx start with garbage: results must not depend on it.
  const result = await runOnGpu({
    tensors: {
      x: { shape, data: x }, y: { shape: outShape, data: randomF32(rng, size(outShape)) },
      dy: { shape: outShape, data: dy }, dx: { shape, data: randomF32(rng, size(shape)) },
    },
    ops: { pool: { op: 'AvgPool2d', args: [s] } },
    actions: [
      { call: 'pool', method: 'forward', args: ['x', 'y'] },
      { call: 'pool', method: 'backward', args: ['dy', 'dx'] },
      { read: ['y', 'dx'] },
      { call: 'pool', method: 'forward', args: ['x', 'y'] },
      { call: 'pool', method: 'backward', args: ['dy', 'dx'] },
      { read: ['y', 'dx'] },
    ],
  });
  assert.not.ok(result.error, result.error?.message);
  const [first, second] = result.reads;
  const context = `seed ${SEED + 2} shape ${describe(s)}`;
  expectClose(first!.tensors.y!, avgPoolForward(x, s), TOL, `avgpool forward ${context}`);
  expectClose(first!.tensors.dx!, avgPoolBackward(dy, s), TOL, `avgpool backward ${context}`);
  expectIdentical(first!.tensors.y!, second!.tensors.y!, `avgpool forward determinism ${context}`);
  expectIdentical(first!.tensors.dx!, second!.tensors.dx!, `avgpool backward determinism ${context}`);
});

test('mismatched shapes are refused with the tensor and both shapes named', async () => {
  const s = pool(2, 6, 28, 28, 2, 2);
  const result = await runOnGpu({
    tensors: { x: { shape: [2, 6, 28, 28] }, y: { shape: [2, 6, 13, 13] } },
    ops: { pool: { op: 'AvgPool2d', args: [s] } },
    actions: [{ call: 'pool', method: 'forward', args: ['x', 'y'] }],
  });
  assert.match(result.error?.message ?? '', /AvgPool2d forward: y has shape \[2, 6, 13, 13\] but \[2, 6, 14, 14\] was expected/);
  const back = await runOnGpu({
    tensors: { dy: { shape: [2, 6, 14, 14] }, dx: { shape: [2, 6, 14, 14] } },
    ops: { pool: { op: 'AvgPool2d', args: [s] } },
    actions: [{ call: 'pool', method: 'backward', args: ['dy', 'dx'] }],
  });
  assert.match(back.error?.message ?? '', /AvgPool2d backward: dx has shape \[2, 6, 14, 14\] but \[2, 6, 28, 28\] was expected/);
});

test('invalid configs are refused with the field and value named', async () => {
  const cases: [Record<string, number>, RegExp][] = [
    [{ kernelSize: 0 }, /AvgPool2d: kernelSize must be a positive integer, got 0/],
    [{ stride: 1.5 }, /AvgPool2d: stride must be a positive integer, got 1.5/],
    [{ batch: -1 }, /AvgPool2d: batch must be a positive integer, got -1/],
    [{ channels: 0 }, /AvgPool2d: channels must be a positive integer, got 0/],
    [{ kernelSize: 6 }, /AvgPool2d: kernelSize 6 exceeds the 5×8 input/],
  ];
  for (const [change, message] of cases) {
    const result = await runOnGpu({
      tensors: {},
      ops: { pool: { op: 'AvgPool2d', args: [{ ...pool(1, 1, 5, 8, 2, 2), ...change }] } },
      actions: [],
    });
    assert.is(result.error?.name, 'RangeError', JSON.stringify(change));
    assert.match(result.error?.message ?? '', message);
  }
});

test.run();
