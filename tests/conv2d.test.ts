import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRandom } from '../src/random.ts';
import type { Program } from './browser/harness.ts';
import { runOnGpu } from './support/browser.ts';
import { expectClose, expectIdentical } from './support/compare.ts';
import { checkGradient } from './support/gradcheck.ts';
import { randomArray, randomF32, randomInt, suiteSeed } from './support/random.ts';
import {
  conv2dBackwardInput, conv2dBackwardWeight, conv2dForward, conv2dOutputSize, type Conv2dShape,
} from './reference/conv2d.ts';

const test = suite('conv2d');
const SEED = suiteSeed(401);

/*
 * Tolerances. Every output is a sum of products. Its f32 rounding error scales with the sum of
 * the terms' magnitudes S (the reference run on |inputs|), not with the result, which can cancel
 * to near 0; so atol = ATOL_PER_MAGNITUDE · max S, about 16 ulps of S. rtol is 1e-4 for sums of
 * up to 1,000 terms and 1e-3 beyond: backwardWeight sums over N·H'·W' pixels (6,272 for conv1 at
 * batch 8); forward and backwardInput over at most C·min(k, H)·min(k, W) in-range taps (≤ 400
 * for LeNet-5, e.g. conv3's dx sums 120 channels × 1 tap).
 */
const ATOL_PER_MAGNITUDE = 1e-6;
function tolerance(terms: number, magnitude: number[]): { atol: number; rtol: number } {
  return { atol: ATOL_PER_MAGNITUDE * Math.max(...magnitude), rtol: terms > 1000 ? 1e-3 : 1e-4 };
}

const LENET: Record<string, Conv2dShape> = {
  conv1: { batch: 8, inChannels: 1, outChannels: 6, height: 28, width: 28, kernelSize: 5, padding: 2 },
  conv2: { batch: 8, inChannels: 6, outChannels: 16, height: 14, width: 14, kernelSize: 5, padding: 0 },
  conv3: { batch: 8, inChannels: 16, outChannels: 120, height: 5, width: 5, kernelSize: 5, padding: 0 },
};

interface ConvData {
  x: number[];
  weight: number[];
  bias: number[];
  dy: number[];
}

interface ConvOutputs {
  y: number[];
  dx: number[];
  dWeight: number[];
  dBias: number[];
}

function sizes(s: Conv2dShape) {
  const [oh, ow] = conv2dOutputSize(s);
  return {
    input: [s.batch, s.inChannels, s.height, s.width],
    output: [s.batch, s.outChannels, oh, ow],
    weight: [s.outChannels, s.inChannels, s.kernelSize, s.kernelSize],
    bias: [s.outChannels],
  };
}

function count(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function randomData(rng: SeededRandom, s: Conv2dShape): ConvData {
  const z = sizes(s);
  return {
    x: randomF32(rng, count(z.input)),
    weight: randomF32(rng, count(z.weight)),
    bias: randomF32(rng, count(z.bias)),
    dy: randomF32(rng, count(z.output)),
  };
}

/** forward, backwardInput and backwardWeight `repeats` times, reading all four outputs after each. */
async function runConv(s: Conv2dShape, data: ConvData, repeats = 1): Promise<ConvOutputs[]> {
  const z = sizes(s);
  // Outputs start full of garbage: every kernel must overwrite, not accumulate.
  const garbage = (shape: number[]) => ({ shape, data: new Array<number>(count(shape)).fill(12345) });
  const program: Program = {
    tensors: {
      x: { shape: z.input, data: data.x },
      weight: { shape: z.weight, data: data.weight },
      bias: { shape: z.bias, data: data.bias },
      dy: { shape: z.output, data: data.dy },
      y: garbage(z.output),
      dx: garbage(z.input),
      dWeight: garbage(z.weight),
      dBias: garbage(z.bias),
    },
    ops: { conv: { op: 'Conv2d', args: [s] } },
    actions: [],
  };
  for (let r = 0; r < repeats; r++) {
    program.actions.push(
      { call: 'conv', method: 'forward', args: ['x', 'weight', 'bias', 'y'] },
      { call: 'conv', method: 'backwardInput', args: ['dy', 'weight', 'dx'] },
      { call: 'conv', method: 'backwardWeight', args: ['x', 'dy', 'dWeight', 'dBias'] },
      { read: ['y', 'dx', 'dWeight', 'dBias'] },
    );
  }
  const result = await runOnGpu(program);
  assert.not.ok(result.error, `conv2d ${JSON.stringify(s)}: ${result.error?.message}`);
  return result.reads.map((r) => r.tensors as unknown as ConvOutputs);
}

function checkAgainstReference(s: Conv2dShape, data: ConvData, gpu: ConvOutputs, context: string): void {
  const abs = (v: number[]) => v.map(Math.abs);
  const [oh, ow] = conv2dOutputSize(s);
  const k = s.kernelSize;
  const pixels = s.batch * oh * ow;
  const magnitude = conv2dBackwardWeight(s, abs(data.x), abs(data.dy));

  expectClose(gpu.y, conv2dForward(s, data.x, data.weight, data.bias),
    tolerance(s.inChannels * Math.min(k, s.height) * Math.min(k, s.width), conv2dForward(s, abs(data.x), abs(data.weight), abs(data.bias))), `forward y ${context}`);
  expectClose(gpu.dx, conv2dBackwardInput(s, data.dy, data.weight),
    tolerance(s.outChannels * Math.min(k, oh) * Math.min(k, ow), conv2dBackwardInput(s, abs(data.dy), abs(data.weight))), `backwardInput dx ${context}`);
  const ref = conv2dBackwardWeight(s, data.x, data.dy);
  expectClose(gpu.dWeight, ref.dWeight, tolerance(pixels, magnitude.dWeight), `backwardWeight dWeight ${context}`);
  expectClose(gpu.dBias, ref.dBias, tolerance(pixels, magnitude.dBias), `backwardWeight dBias ${context}`);
}

test('reference backward matches finite differences', () => {
  const rng = new SeededRandom(SEED);
  const shapes: Conv2dShape[] = [
    { batch: 2, inChannels: 2, outChannels: 3, height: 5, width: 4, kernelSize: 3, padding: 1 },
    { batch: 1, inChannels: 3, outChannels: 2, height: 4, width: 6, kernelSize: 3, padding: 0 },
    { batch: 2, inChannels: 1, outChannels: 2, height: 3, width: 3, kernelSize: 1, padding: 2 },
  ];
  for (const s of shapes) {
    const d = randomData(rng, s);
    const dy = randomArray(rng, d.dy.length);
    const name = `conv2d ${JSON.stringify(s)}`;
    checkGradient(`${name} dx`, d.x, (x) => conv2dForward(s, x, d.weight, d.bias), conv2dBackwardInput(s, dy, d.weight), dy);
    const grads = conv2dBackwardWeight(s, d.x, dy);
    checkGradient(`${name} dWeight`, d.weight, (w) => conv2dForward(s, d.x, w, d.bias), grads.dWeight, dy);
    checkGradient(`${name} dBias`, d.bias, (b) => conv2dForward(s, d.x, d.weight, b), grads.dBias, dy);
  }
});

test('random shapes match the reference', async () => {
  const seed = SEED + 1;
  const rng = new SeededRandom(seed);
  const odd = (low: number, high: number) => randomInt(rng, low, high) | 1;
  const shapes: Conv2dShape[] = [
    // k = 1 with padding 2: backwardInput's padding k − 1 − p is negative.
    { batch: 1, inChannels: 3, outChannels: 5, height: 3, width: 5, kernelSize: 1, padding: 2 },
    // 1×1 outputs, as in conv3.
    { batch: 3, inChannels: 5, outChannels: 7, height: 3, width: 3, kernelSize: 3, padding: 0 },
    // One-column outputs over two chunks of rows, the second with an odd count (137 + 136).
    { batch: 91, inChannels: 2, outChannels: 3, height: 5, width: 3, kernelSize: 3, padding: 0 },
    // A kernel larger than the weight gradient's 5 × 5 blocks: two blocks a side, the second part-used.
    { batch: 2, inChannels: 2, outChannels: 3, height: 9, width: 8, kernelSize: 7, padding: 1 },
    // Kernel wider than the input.
    { batch: 1, inChannels: 1, outChannels: 1, height: 1, width: 2, kernelSize: 5, padding: 2 },
    // Batches past one tile of 16 samples and not a multiple of it, over every tile shape: one
    // direction on the narrow kernel (≤ 2 output channels) and the other on the wide one (≥ 7),
    // and both on the six-channel one (3..6), here with a partial tile of 4 channels.
    { batch: 19, inChannels: 2, outChannels: 9, height: 6, width: 5, kernelSize: 3, padding: 1 },
    { batch: 17, inChannels: 9, outChannels: 1, height: 5, width: 7, kernelSize: 3, padding: 0 },
    { batch: 21, inChannels: 6, outChannels: 4, height: 6, width: 6, kernelSize: 5, padding: 2 },
    // The forward pass's row tiles (k = 5, ≥ 3 channels, 10 columns): padding at every edge, one
    // block of 9 of 10 columns, a second channel tile of 2 and a sample group of 2 of 4.
    { batch: 6, inChannels: 3, outChannels: 10, height: 7, width: 11, kernelSize: 5, padding: 1 },
    // Row tiles with padding 2 and a last block of 8 columns (18), rows shorter than the kernel's reach.
    { batch: 5, inChannels: 2, outChannels: 8, height: 2, width: 18, kernelSize: 5, padding: 2 },
    // Row tiles whose one full block reads the right padding (10 columns, padding 1), 7 channels.
    { batch: 3, inChannels: 2, outChannels: 7, height: 6, width: 12, kernelSize: 5, padding: 1 },
    // The six-channel row tile, part-filled (5 channels), with a sample group of 3 of 4 and padding 2.
    { batch: 7, inChannels: 2, outChannels: 5, height: 6, width: 10, kernelSize: 5, padding: 2 },
    // backwardInput's transposed row tiles (k = 5, dy rows of 8..10 columns): dy 10 wide with
    // forward padding 1, five dx channels of a six-channel tile, a sample group of 2 of 4;
    { batch: 6, inChannels: 5, outChannels: 4, height: 12, width: 12, kernelSize: 5, padding: 1 },
    // dy 9 wide (one column past the row's end masked), 9 dx channels (an 8-channel tile and 1);
    { batch: 3, inChannels: 9, outChannels: 3, height: 9, width: 13, kernelSize: 5, padding: 0 },
    // dy 8 wide with forward padding 2 and rows shorter than the kernel's reach.
    { batch: 5, inChannels: 3, outChannels: 2, height: 4, width: 8, kernelSize: 5, padding: 2 },
  ];
  for (let i = 0; i < 6; i++) {
    const kernelSize = [1, 3, 5][randomInt(rng, 0, 2)]!;
    const padding = randomInt(rng, 0, 2);
    const least = Math.max(1, kernelSize - 2 * padding);
    shapes.push({
      batch: i < 2 ? 1 : randomInt(rng, 2, 3),
      inChannels: odd(1, 9),
      outChannels: odd(1, 11),
      height: odd(least, 15),
      width: odd(least, 15),
      kernelSize,
      padding,
    });
  }
  for (const s of shapes) {
    const data = randomData(rng, s);
    const [gpu] = await runConv(s, data);
    checkAgainstReference(s, data, gpu!, `seed ${seed} shape ${JSON.stringify(s)}`);
  }
});

for (const [layer, s] of Object.entries(LENET)) {
  test(`LeNet-5 ${layer} at batch ${s.batch} matches the reference`, async () => {
    const seed = SEED + 2;
    const data = randomData(new SeededRandom(seed), s);
    const [gpu] = await runConv(s, data);
    checkAgainstReference(s, data, gpu!, `seed ${seed} ${layer} ${JSON.stringify(s)}`);
  });
}

test('backwardWeight is deterministic (two runs bit-identical)', async () => {
  const seed = SEED + 3;
  const s = LENET.conv1!;
  const runs = await runConv(s, randomData(new SeededRandom(seed), s), 2);
  const context = `seed ${seed} conv1 ${JSON.stringify(s)}`;
  expectIdentical(runs[0]!.dWeight, runs[1]!.dWeight, `dWeight ${context}`);
  expectIdentical(runs[0]!.dBias, runs[1]!.dBias, `dBias ${context}`);
});

test('invalid configurations are refused with the sizes named', async () => {
  const base: Conv2dShape = { batch: 1, inChannels: 1, outChannels: 1, height: 5, width: 5, kernelSize: 3, padding: 0 };
  const cases: [Partial<Conv2dShape>, RegExp][] = [
    [{ kernelSize: 7 }, /Conv2d: kernelSize 7 with padding 0 does not fit the 5×5 input \(output would be -1×-1\)/],
    [{ width: 2, padding: 0 }, /Conv2d: kernelSize 3 with padding 0 does not fit the 5×2 input \(output would be 3×0\)/],
    [{ inChannels: 0 }, /Conv2d: inChannels must be a positive integer, got 0/],
    [{ batch: 1.5 }, /Conv2d: batch must be a positive integer, got 1.5/],
    [{ padding: -1 }, /Conv2d: padding must be a non-negative integer, got -1/],
  ];
  for (const [change, message] of cases) {
    const result = await runOnGpu({ tensors: {}, ops: { conv: { op: 'Conv2d', args: [{ ...base, ...change }] } }, actions: [] });
    assert.is(result.error?.name, 'RangeError', JSON.stringify(change));
    assert.match(result.error?.message ?? '', message);
  }
});

test('mismatched shapes are refused with the tensor named', async () => {
  const s: Conv2dShape = { batch: 2, inChannels: 3, outChannels: 4, height: 6, width: 6, kernelSize: 3, padding: 1 };
  const tensors = {
    x: { shape: [2, 3, 6, 6] },
    weight: { shape: [4, 3, 3, 3] },
    bias: { shape: [4] },
    y: { shape: [2, 4, 6, 6] },
    wrongWeight: { shape: [3, 4, 3, 3] },
    wrongY: { shape: [2, 4, 4, 4] },
    wrongBias: { shape: [3] },
  };
  const cases: [string, unknown[], RegExp][] = [
    ['forward', ['x', 'wrongWeight', 'bias', 'y'], /conv2d forward: weight has shape \[3, 4, 3, 3\] but \[4, 3, 3, 3\] was expected/],
    ['forward', ['x', 'weight', 'bias', 'wrongY'], /conv2d forward: y has shape \[2, 4, 4, 4\] but \[2, 4, 6, 6\] was expected/],
    ['backwardInput', ['wrongY', 'weight', 'x'], /conv2d backwardInput: dy has shape \[2, 4, 4, 4\] but \[2, 4, 6, 6\] was expected/],
    ['backwardInput', ['y', 'weight', 'y'], /conv2d backwardInput: dx has shape \[2, 4, 6, 6\] but \[2, 3, 6, 6\] was expected/],
    ['backwardWeight', ['x', 'y', 'weight', 'wrongBias'], /conv2d backwardWeight: dBias has shape \[3\] but \[4\] was expected/],
    ['backwardWeight', ['y', 'y', 'weight', 'bias'], /conv2d backwardWeight: x has shape \[2, 4, 6, 6\] but \[2, 3, 6, 6\] was expected/],
  ];
  for (const [method, args, message] of cases) {
    const result = await runOnGpu({ tensors, ops: { conv: { op: 'Conv2d', args: [s] } }, actions: [{ call: 'conv', method, args }] });
    assert.match(result.error?.message ?? '', message);
  }
});

test.run();
