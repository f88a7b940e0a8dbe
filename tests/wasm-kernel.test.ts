import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmConv2dBackpropFilter } from '../bench/wasm-kernel.ts';
import { SeededRandom } from '../src/random.ts';

// The bench-only Conv2DBackpropFilter for TF.js's WASM backend (bench/wasm-kernel.ts) against
// TF.js's CPU backend: the filter gradient of sum(conv2d(x, w) · dy), random x and dy.
const test = suite('wasm Conv2DBackpropFilter');

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid';
}

/** LeNet-5's three convolutions at batch 8, and a small odd-sized one. */
const CASES: Case[] = [
  { name: 'conv1 5×5 same', x: [8, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'same' },
  { name: 'conv2 5×5 valid', x: [8, 14, 14, 6], filter: [5, 5, 6, 16], strides: 1, pad: 'valid' },
  { name: 'conv3 5×5 valid', x: [8, 5, 5, 16], filter: [5, 5, 16, 120], strides: 1, pad: 'valid' },
  { name: '3×3 same, odd size', x: [3, 9, 9, 2], filter: [3, 3, 2, 4], strides: 1, pad: 'same' },
];

function randoms(count: number, rng: SeededRandom): Float32Array {
  return Float32Array.from({ length: count }, () => rng.uniform(-1, 1));
}

/** The filter gradient on the current backend, through tf.grad as training reaches it. */
function filterGradient(c: Case, x: Float32Array, dy: Float32Array, dyShape: number[]): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor4d(x, c.x);
    const upstream = tf.tensor(dy, dyShape);
    const w = tf.zeros(c.filter) as tf.Tensor4D;
    const g = tf.grad((f) => tf.conv2d(input, f as tf.Tensor4D, c.strides, c.pad).mul(upstream).sum());
    return g(w).dataSync() as Float32Array;
  });
}

/** Each case's inputs and the CPU backend's gradient. */
async function references(): Promise<{ c: Case; x: Float32Array; dy: Float32Array; dyShape: number[]; expected: Float32Array }[]> {
  await tf.setBackend('cpu');
  const rng = new SeededRandom(15);
  return CASES.map((c) => {
    const dyShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
    const x = randoms(c.x.reduce((a, b) => a * b), rng);
    const dy = randoms(dyShape.reduce((a, b) => a * b), rng);
    return { c, x, dy, dyShape, expected: filterGradient(c, x, dy, dyShape) };
  });
}

test('the stock wasm backend refuses the filter gradient; the bench kernel matches the CPU backend', async () => {
  const cases = await references();
  assert.ok(await tf.setBackend('wasm'));
  assert.is(tf.getBackend(), 'wasm');
  const { c, x, dy, dyShape } = cases[0]!;
  assert.throws(() => filterGradient(c, x, dy, dyShape), /Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'/);

  registerWasmConv2dBackpropFilter();
  for (const { c, x, dy, dyShape, expected } of cases) {
    const actual = filterGradient(c, x, dy, dyShape);
    assert.is(actual.length, expected.length, c.name);
    // Each entry sums up to N·H·W products of numbers in [-1, 1] in float32, in another order than
    // the CPU backend's: allow 1e-5 of the largest entry (float32's epsilon is 1.2e-7).
    const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const worst = actual.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
    assert.ok(scale > 1, `${c.name}: the reference gradient is all but zero`);
    assert.ok(worst <= 1e-5 * scale, `${c.name}: max |wasm − cpu| = ${worst} against a largest entry of ${scale}`);
  }
});

test('strides and padding the kernel cannot express are refused, not computed wrongly', async () => {
  assert.is(tf.getBackend(), 'wasm');
  const gradient = (strides: number, pad: number | 'same') => () => tf.tidy(() => {
    const g = tf.grad((f) => tf.conv2d(tf.ones([1, 6, 6, 1]) as tf.Tensor4D, f as tf.Tensor4D, strides, pad).sum());
    g(tf.zeros([3, 3, 1, 1]));
  });
  assert.throws(gradient(1, 1), /only NHWC, stride 1, 'same' or 'valid' padding .*pad 1/);
  assert.throws(gradient(2, 'same'), /only NHWC, stride 1, 'same' or 'valid' padding .*strides 2/);
});

test.run();
