import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRandom } from '../src/random.ts';
import { runOnGpu } from './support/browser.ts';
import { expectClose } from './support/compare.ts';
import { checkGradient } from './support/gradcheck.ts';
import { randomF32, randomArray, randomInt, suiteSeed } from './support/random.ts';
import { tanhBackward, tanhForward } from './reference/tanh.ts';

const test = suite('tanh');
const SEED = suiteSeed(101);
// Elementwise: each output depends on one input, so the only error is f32 rounding of exp.
const TOL = { atol: 1e-6, rtol: 1e-5 };

// Batch 1, odd sizes, sizes not multiples of the 256-element workgroup stride, LeNet-5 shapes.
const SHAPES = [[1, 1, 1, 1], [1, 3, 5, 7], [3, 6, 28, 28], [64, 16, 10, 10], [5, 84], [64, 120]];

test('reference backward matches finite differences', () => {
  const rng = new SeededRandom(SEED);
  const x = randomArray(rng, 37, -3, 3);
  const w = randomArray(rng, 37);
  const y = tanhForward(x);
  checkGradient('tanh', x, tanhForward, tanhBackward(y, w), w);
});

test('forward and backward match the reference', async () => {
  const rng = new SeededRandom(SEED + 1);
  const shapes = [...SHAPES, [randomInt(rng, 1, 9), randomInt(rng, 1, 300)]];
  for (const shape of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = randomF32(rng, n, -4, 4);
    const dy = randomF32(rng, n);
    const result = await runOnGpu({
      tensors: { x: { shape, data: x }, y: { shape }, dy: { shape, data: dy }, dx: { shape } },
      ops: { tanh: { op: 'Tanh', args: [shape] } },
      actions: [
        { call: 'tanh', method: 'forward', args: ['x', 'y'] },
        { call: 'tanh', method: 'backward', args: ['y', 'dy', 'dx'] },
        { read: ['y', 'dx'] },
      ],
    });
    assert.not.ok(result.error, result.error?.message);
    const y = result.reads[0]!.tensors.y!;
    const context = `seed ${SEED + 1} shape [${shape}]`;
    expectClose(y, tanhForward(x), TOL, `tanh forward ${context}`);
    // Backward is checked from the GPU's own y, so only the backward arithmetic is compared.
    expectClose(result.reads[0]!.tensors.dx!, tanhBackward(y, dy), TOL, `tanh backward ${context}`);
  }
});

test('stays finite and exact for |x| up to 1e4 and near 0', async () => {
  const x = [1e4, -1e4, 1e3, -88.7, 20, -20, 9.5, 1e-3, -1e-4, 1e-30, 0, 0.1249, 0.1251, -0.5];
  const shape = [x.length];
  const result = await runOnGpu({
    tensors: { x: { shape, data: x }, y: { shape } },
    ops: { tanh: { op: 'Tanh', args: [shape] } },
    actions: [{ call: 'tanh', method: 'forward', args: ['x', 'y'] }, { read: ['y'] }],
  });
  assert.not.ok(result.error, result.error?.message);
  const y = result.reads[0]!.tensors.y!;
  assert.ok(y.every(Number.isFinite), `non-finite output: ${y}`);
  expectClose(y, tanhForward(Array.from(Float32Array.from(x))), TOL, 'tanh at extremes');
});

test('mismatched shapes are refused with the tensor named', async () => {
  const result = await runOnGpu({
    tensors: { x: { shape: [2, 3] }, y: { shape: [3, 2] } },
    ops: { tanh: { op: 'Tanh', args: [[2, 3]] } },
    actions: [{ call: 'tanh', method: 'forward', args: ['x', 'y'] }],
  });
  assert.match(result.error?.message ?? '', /tanh forward: y has shape \[3, 2\] but \[2, 3\] was expected/);
});

test.run();
