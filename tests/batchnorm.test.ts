import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRandom } from '../src/random.ts';
import { runOnGpu } from './support/browser.ts';
import { expectClose, expectIdentical, type Tolerance } from './support/compare.ts';
import { checkGradient } from './support/gradcheck.ts';
import { randomArray, randomF32, randomInt, suiteSeed } from './support/random.ts';
import { batchNormBackward, batchNormEvalForward, batchNormTrainForward, type BatchNormShape } from './reference/batchnorm.ts';

const test = suite('batchnorm');
const SEED = suiteSeed(601);
const EPS = 1e-5;
const MOMENTUM = 0.1;

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const shapeOf = (dims: number[]): BatchNormShape => ({ batch: dims[0]!, channels: dims[1]!, spatial: product(dims.slice(2)) });

test('reference: PyTorch running-statistics semantics on a hand-computed case', () => {
  // One channel [1, 2, 3, 4]: mean 2.5, biased var 1.25, unbiased var 5/3.
  const r = batchNormTrainForward([1, 2, 3, 4], [1], [0], [0], [1], { batch: 4, channels: 1, spatial: 1 }, 0, 0.1);
  expectClose(r.mean, [2.5], { atol: 0, rtol: 1e-15 }, 'mean');
  expectClose(r.invStd, [1 / Math.sqrt(1.25)], { atol: 0, rtol: 1e-15 }, 'invStd');
  expectClose(r.runningMean, [0.25], { atol: 0, rtol: 1e-15 }, 'running mean');
  expectClose(r.runningVar, [0.9 + 0.1 * 5 / 3], { atol: 0, rtol: 1e-15 }, 'running var');
});

test('reference backward matches finite differences through the batch statistics', () => {
  const rng = new SeededRandom(SEED);
  // Batch 3, 2 channels, spatial 5 (and a BatchNorm1d-like case): dx includes the paths through mean and var.
  for (const shape of [{ batch: 3, channels: 2, spatial: 5 }, { batch: 4, channels: 3, spatial: 1 }]) {
    const size = shape.batch * shape.channels * shape.spatial;
    const x = randomArray(rng, size, -2, 2);
    const gamma = randomArray(rng, shape.channels, 0.5, 1.5);
    const beta = randomArray(rng, shape.channels, -0.5, 0.5);
    const w = randomArray(rng, size);
    const zeros = new Array<number>(shape.channels).fill(0);
    const forward = (xv: number[], g: number[], b: number[]) => batchNormTrainForward(xv, g, b, zeros, zeros, shape, EPS, MOMENTUM);
    const saved = forward(x, gamma, beta);
    const grads = batchNormBackward(x, w, gamma, saved.mean, saved.invStd, shape);
    const name = `batchnorm seed ${SEED} shape ${JSON.stringify(shape)}`;
    checkGradient(`${name} dx`, x, (v) => forward(v, gamma, beta).y, grads.dx, w);
    checkGradient(`${name} dGamma`, gamma, (g) => forward(x, g, beta).y, grads.dGamma, w);
    checkGradient(`${name} dBeta`, beta, (b) => forward(x, gamma, b).y, grads.dBeta, w);
  }
});

/**
 * Tolerances. The statistics are f32 sums of n terms (per-thread strided sums, then a tree), so
 * their relative error grows with n: rtol 1e-4 up to 1,000 terms, 1e-3 beyond. y, dx and the
 * running statistics inherit that error through mean and invstd. atol covers outputs that are
 * near 0 by cancellation (y ≈ β where x ≈ mean, dx = k·(dy − a − x̂·b)): their absolute error is
 * a few f32 ulps of the O(1) terms (inputs, γ, β, x̂ all O(1) here), so atol = 1e-5. dγ and dβ
 * are sums of n terms with random signs that can cancel, so their atol is scaled by n: 1e-6·n is
 * ~5 f32 ulps of the bound Σ|terms| ≤ 1.8·n (|dy| ≤ 1, |x̂| ≤ √3 for uniform data).
 */
function tolerances(n: number): { out: Tolerance; sums: Tolerance } {
  const rtol = n > 1000 ? 1e-3 : 1e-4;
  return { out: { atol: 1e-5, rtol }, sums: { atol: 1e-6 * n, rtol } };
}
// Eval is elementwise: each output depends on one input and two per-channel constants.
const EVAL_TOL = { atol: 1e-6, rtol: 1e-5 };

interface CaseData {
  x1: number[];
  x2: number[];
  dy: number[];
  gamma: number[];
  beta: number[];
  runningMean: number[];
  runningVar: number[];
}

function caseData(rng: SeededRandom, dims: number[], offset: number): CaseData {
  const size = product(dims);
  const c = dims[1]!;
  return {
    x1: randomF32(rng, size, offset - 1, offset + 1),
    x2: randomF32(rng, size, offset - 2, offset + 1),
    dy: randomF32(rng, size),
    gamma: randomF32(rng, c, 0.5, 1.5),
    beta: randomF32(rng, c, -0.5, 0.5),
    runningMean: randomF32(rng, c, -0.5, 0.5),
    runningVar: randomF32(rng, c, 0.5, 2),
  };
}

/** Two training steps, backward of the second, then eval with the updated running statistics. */
/** Optional BatchNorm settings a case forces (else the adapter's defaults: on SwiftShader, one 16-thread workgroup per channel). */
interface Layout { parts?: number; workgroupSize?: number }

async function runCase(dims: number[], d: CaseData, layout: Layout = {}) {
  const shape = shapeOf(dims);
  const c = [shape.channels];
  const result = await runOnGpu({
    tensors: {
      x1: { shape: dims, data: d.x1 }, x2: { shape: dims, data: d.x2 }, dy: { shape: dims, data: d.dy },
      y: { shape: dims }, dx: { shape: dims }, yEval: { shape: dims },
      gamma: { shape: c, data: d.gamma }, beta: { shape: c, data: d.beta },
      runningMean: { shape: c, data: d.runningMean }, runningVar: { shape: c, data: d.runningVar },
      mean: { shape: c }, invStd: { shape: c }, dGamma: { shape: c }, dBeta: { shape: c },
    },
    ops: { bn: { op: 'BatchNorm', args: [{ ...shape, eps: EPS, momentum: MOMENTUM, ...layout }] } },
    actions: [
      { call: 'bn', method: 'forwardTrain', args: ['x1', 'gamma', 'beta', 'y', 'runningMean', 'runningVar', 'mean', 'invStd'] },
      { read: ['runningMean', 'runningVar'], label: 'first' },
      { call: 'bn', method: 'forwardTrain', args: ['x2', 'gamma', 'beta', 'y', 'runningMean', 'runningVar', 'mean', 'invStd'] },
      { call: 'bn', method: 'backward', args: ['x2', 'dy', 'gamma', 'mean', 'invStd', 'dx', 'dGamma', 'dBeta'] },
      { call: 'bn', method: 'forwardEval', args: ['x2', 'gamma', 'beta', 'runningMean', 'runningVar', 'yEval'] },
      { read: ['y', 'mean', 'invStd', 'runningMean', 'runningVar', 'dx', 'dGamma', 'dBeta', 'yEval'], label: 'second' },
    ],
  });
  assert.not.ok(result.error, result.error?.message);
  return { first: result.reads[0]!.tensors, second: result.reads[1]!.tensors };
}

async function checkCase(seed: number, dims: number[], offset = 0, layout: Layout = {}): Promise<void> {
  const rng = new SeededRandom(seed);
  const shape = shapeOf(dims);
  const d = caseData(rng, dims, offset);
  const gpu = await runCase(dims, d, layout);
  const { out, sums } = tolerances(shape.batch * shape.spatial);
  const context = `seed ${seed} shape [${dims}] offset ${offset} ${JSON.stringify(layout)}`;

  const ref1 = batchNormTrainForward(d.x1, d.gamma, d.beta, d.runningMean, d.runningVar, shape, EPS, MOMENTUM);
  expectClose(gpu.first.runningMean!, ref1.runningMean, out, `forwardTrain 1 runningMean ${context}`);
  expectClose(gpu.first.runningVar!, ref1.runningVar, out, `forwardTrain 1 runningVar ${context}`);
  // The second step starts from the reference's first update, so the check covers both steps.
  const ref2 = batchNormTrainForward(d.x2, d.gamma, d.beta, ref1.runningMean, ref1.runningVar, shape, EPS, MOMENTUM);
  const s = gpu.second;
  expectClose(s.y!, ref2.y, out, `forwardTrain y ${context}`);
  expectClose(s.mean!, ref2.mean, out, `forwardTrain saveMean ${context}`);
  expectClose(s.invStd!, ref2.invStd, out, `forwardTrain saveInvStd ${context}`);
  expectClose(s.runningMean!, ref2.runningMean, out, `forwardTrain 2 runningMean ${context}`);
  expectClose(s.runningVar!, ref2.runningVar, out, `forwardTrain 2 runningVar ${context}`);

  // Backward from the GPU's own saved statistics, so only the backward arithmetic is compared.
  const grads = batchNormBackward(d.x2, d.dy, d.gamma, s.mean!, s.invStd!, shape);
  expectClose(s.dBeta!, grads.dBeta, sums, `backward dBeta ${context}`);
  expectClose(s.dGamma!, grads.dGamma, sums, `backward dGamma ${context}`);
  expectClose(s.dx!, grads.dx, out, `backward dx ${context}`);

  // Eval from the GPU's running statistics, so only the eval arithmetic is compared.
  const yEval = batchNormEvalForward(d.x2, d.gamma, d.beta, s.runningMean!, s.runningVar!, shape, EPS);
  expectClose(s.yEval!, yEval, EVAL_TOL, `forwardEval ${context}`);
}

test('forwardTrain (two steps), backward and forwardEval match the reference on random shapes', async () => {
  const rng = new SeededRandom(SEED + 1);
  const random = [randomInt(rng, 1, 5), randomInt(rng, 1, 9), randomInt(rng, 2, 13), randomInt(rng, 1, 13)];
  // Batch 1 with spatial > 1; batch 2 with spatial 1 as [N, C] and [N, C, 1, 1]; odd channels;
  // n not a multiple of the 16-thread workgroup; spatial above and below the 16 (or 16·4) values
  // a workgroup covers per step; spatial a multiple of 4 (the 4-wide kernels) and not.
  const shapes = [[1, 3, 5, 7], [2, 5], [2, 3, 1, 1], [3, 7, 9], [5, 1, 3, 3], [7, 11, 13], [3, 5, 2, 2], [1, 3, 4, 12], [2, 3, 68], random];
  for (const [i, dims] of shapes.entries()) await checkCase(SEED + 10 + i, dims, i % 2 === 0 ? 0 : 1.5);
});

test('LeNet-5 shapes at small batch, and n > 1,000', async () => {
  // conv1 [N,6,28,28] (n = 3,136), conv2 [N,16,10,10], conv3 [N,120,1,1] and flattened [N,120],
  // and n = 1,100 with spatial 1 (every thread's step jumps whole samples).
  const shapes = [[4, 6, 28, 28], [8, 16, 10, 10], [16, 120, 1, 1], [16, 120], [1100, 3]];
  for (const [i, dims] of shapes.entries()) await checkCase(SEED + 30 + i, dims, 0.5);
});

test('n = 200,704 (conv1 at batch 256) keeps the reduction accurate', async () => {
  await checkCase(SEED + 40, [256, 2, 28, 28], 1);
});

test('split statistics (several workgroups per channel, as on a GPU) match the reference', async () => {
  // Parts of one sample each, of several (the last one short), more parts asked than samples,
  // spatial not a multiple of 4, and conv1 at batch 256 split 64 ways (n = 200,704). The
  // tolerances are the unsplit path's: Chan's fold of per-part (count, mean, M2) adds no
  // cancellation, and the sums' error bound does not depend on how they are grouped.
  const cases: [number[], number][] = [[[8, 6, 28, 28], 8], [[5, 3, 7, 7], 2], [[7, 11, 13], 3], [[3, 2, 4, 4], 5], [[16, 16, 10, 10], 4], [[256, 2, 28, 28], 64]];
  for (const [i, [dims, parts]] of cases.entries()) await checkCase(SEED + 80 + i, dims, i % 2 === 0 ? 0.5 : 1.5, { parts });
});

test('a GPU-sized workgroup (64 threads, the hardware default) gives the same agreement, split or not, BatchNorm1d too', async () => {
  const cases: [number[], Layout][] = [
    [[4, 6, 28, 28], { workgroupSize: 64 }], [[8, 16, 10, 10], { workgroupSize: 64, parts: 4 }], [[16, 120], { workgroupSize: 64 }],
    [[3, 5, 2, 2], { workgroupSize: 64 }], [[2, 3, 68], { workgroupSize: 32, parts: 2 }],
  ];
  for (const [i, [dims, layout]] of cases.entries()) await checkCase(SEED + 90 + i, dims, 0.5, layout);
});

test('two-pass statistics stay accurate for a mean far from 0', async () => {
  // x = 1000 + U(−2, 1): E[x²] − E[x]² would lose every digit of the variance in f32. The f32
  // rounding of mean (ulp 6e-5 at 1000) alone moves x − mean by up to 3e-5, so y gets atol 1e-4.
  const seed = SEED + 50;
  const dims = [4, 3, 5, 5];
  const shape = shapeOf(dims);
  const d = caseData(new SeededRandom(seed), dims, 1000);
  const gpu = await runCase(dims, d);
  const ref1 = batchNormTrainForward(d.x1, d.gamma, d.beta, d.runningMean, d.runningVar, shape, EPS, MOMENTUM);
  const ref2 = batchNormTrainForward(d.x2, d.gamma, d.beta, ref1.runningMean, ref1.runningVar, shape, EPS, MOMENTUM);
  const context = `seed ${seed} shape [${dims}] offset 1000`;
  expectClose(gpu.second.invStd!, ref2.invStd, { atol: 0, rtol: 1e-4 }, `saveInvStd ${context}`);
  expectClose(gpu.second.y!, ref2.y, { atol: 1e-4, rtol: 1e-4 }, `y ${context}`);
});

test('forwardEval with n = 1 (batch 1, spatial 1) is allowed', async () => {
  const rng = new SeededRandom(SEED + 60);
  const dims = [1, 4];
  const d = caseData(rng, dims, 0);
  const result = await runOnGpu({
    tensors: {
      x: { shape: dims, data: d.x1 }, y: { shape: dims }, gamma: { shape: [4], data: d.gamma }, beta: { shape: [4], data: d.beta },
      rm: { shape: [4], data: d.runningMean }, rv: { shape: [4], data: d.runningVar },
    },
    ops: { bn: { op: 'BatchNorm', args: [{ batch: 1, channels: 4, spatial: 1 }] } },
    actions: [{ call: 'bn', method: 'forwardEval', args: ['x', 'gamma', 'beta', 'rm', 'rv', 'y'] }, { read: ['y'] }],
  });
  assert.not.ok(result.error, result.error?.message);
  const ref = batchNormEvalForward(d.x1, d.gamma, d.beta, d.runningMean, d.runningVar, shapeOf(dims), EPS);
  expectClose(result.reads[0]!.tensors.y!, ref, EVAL_TOL, `forwardEval seed ${SEED + 60} shape [${dims}]`);
});

async function checkDeterministic(layout: Layout = {}): Promise<void> {
  const seed = SEED + 70;
  const dims = [8, 6, 28, 28];
  const d = caseData(new SeededRandom(seed), dims, 0.5);
  const c = [6];
  const tensors: Record<string, { shape: number[]; data?: number[] }> = {
    x: { shape: dims, data: d.x1 }, dy: { shape: dims, data: d.dy }, gamma: { shape: c, data: d.gamma }, beta: { shape: c, data: d.beta },
  };
  const actions = [];
  for (const run of ['a', 'b']) {
    Object.assign(tensors, {
      [`y${run}`]: { shape: dims }, [`dx${run}`]: { shape: dims },
      [`rm${run}`]: { shape: c, data: d.runningMean }, [`rv${run}`]: { shape: c, data: d.runningVar },
      [`m${run}`]: { shape: c }, [`s${run}`]: { shape: c }, [`dg${run}`]: { shape: c }, [`db${run}`]: { shape: c },
    });
    actions.push(
      { call: 'bn', method: 'forwardTrain', args: ['x', 'gamma', 'beta', `y${run}`, `rm${run}`, `rv${run}`, `m${run}`, `s${run}`] },
      { call: 'bn', method: 'backward', args: ['x', 'dy', 'gamma', `m${run}`, `s${run}`, `dx${run}`, `dg${run}`, `db${run}`] },
    );
  }
  const names = ['y', 'dx', 'rm', 'rv', 'm', 's', 'dg', 'db'];
  const result = await runOnGpu({
    tensors,
    ops: { bn: { op: 'BatchNorm', args: [{ ...shapeOf(dims), eps: EPS, momentum: MOMENTUM, ...layout }] } },
    actions: [...actions, { read: names.flatMap((n) => [`${n}a`, `${n}b`]) }],
  });
  assert.not.ok(result.error, result.error?.message);
  const t = result.reads[0]!.tensors;
  for (const n of names) expectIdentical(t[`${n}a`]!, t[`${n}b`]!, `batchnorm ${n} seed ${seed} shape [${dims}] ${JSON.stringify(layout)}`);
}

test('forwardTrain and backward are deterministic, split or not', async () => {
  await checkDeterministic();
  // Every workgroup of a channel folds the same partials in the same order.
  await checkDeterministic({ parts: 4, workgroupSize: 64 });
});

async function errorOf(config: Record<string, number>, call?: { method: string; args: string[] }, tensors: Record<string, number[]> = {}) {
  const result = await runOnGpu({
    tensors: Object.fromEntries(Object.entries(tensors).map(([k, shape]) => [k, { shape }])),
    ops: { bn: { op: 'BatchNorm', args: [config] } },
    actions: call ? [{ call: 'bn', ...call }] : [],
  });
  return result.error?.message ?? '';
}

const TRAIN_ARGS = ['x', 'gamma', 'beta', 'y', 'rm', 'rv', 'm', 's'];
function trainTensors(x: number[], y: number[], c: number, gammaShape = [c]): Record<string, number[]> {
  return { x, y, gamma: gammaShape, beta: [c], rm: [c], rv: [c], m: [c], s: [c] };
}

test('invalid configurations are refused with the field named', async () => {
  const base = { batch: 2, channels: 3, spatial: 4 };
  assert.match(await errorOf({ ...base, eps: 0 }), /BatchNorm: eps must be positive.*got 0/);
  assert.match(await errorOf({ ...base, eps: -1e-5 }), /BatchNorm: eps must be positive.*got -0.00001/);
  assert.match(await errorOf({ ...base, momentum: -0.1 }), /BatchNorm: momentum must be in \[0, 1\], got -0.1/);
  assert.match(await errorOf({ ...base, momentum: 1.5 }), /BatchNorm: momentum must be in \[0, 1\], got 1.5/);
  assert.match(await errorOf({ ...base, batch: 0 }), /BatchNorm: batch must be a positive integer, got 0/);
  assert.match(await errorOf({ ...base, channels: 2.5 }), /BatchNorm: channels must be a positive integer, got 2.5/);
  assert.match(await errorOf({ ...base, spatial: -4 }), /BatchNorm: spatial must be a positive integer, got -4/);
  assert.match(await errorOf({ ...base, parts: 0 }), /BatchNorm: parts must be a positive integer, got 0/);
  assert.match(await errorOf({ ...base, workgroupSize: 1.5 }), /BatchNorm: workgroupSize must be a positive integer, got 1.5/);
  assert.match(await errorOf({ ...base, workgroupSize: 4096 }), /batchnorm_forward: workgroup of 4096 invocations exceeds the limit \d+/);
  assert.match(await errorOf({ ...base, spatial: 1, parts: 2 }), /BatchNorm: parts must be 1 for BatchNorm1d \(spatial 1\), got 2/);
});

test('n = 1 in training mode is refused like PyTorch', async () => {
  const config = { batch: 1, channels: 3, spatial: 1 };
  assert.match(
    await errorOf(config, { method: 'forwardTrain', args: TRAIN_ARGS }, trainTensors([1, 3], [1, 3], 3)),
    /batchnorm forwardTrain: Expected more than 1 value per channel when training, got batch 1 × spatial 1 = 1/,
  );
  assert.match(
    await errorOf(config, { method: 'backward', args: ['x', 'dy', 'gamma', 'm', 's', 'dx', 'dg', 'db'] },
      { x: [1, 3], dy: [1, 3], dx: [1, 3], gamma: [3], m: [3], s: [3], dg: [3], db: [3] }),
    /batchnorm backward: Expected more than 1 value per channel when training/,
  );
});

test('mismatched shapes are refused with the tensor named', async () => {
  const config = { batch: 2, channels: 3, spatial: 4 };
  // Any trailing dims multiplying to spatial are accepted: [2, 3, 4], [2, 3, 2, 2].
  assert.is(await errorOf(config, { method: 'forwardTrain', args: TRAIN_ARGS }, trainTensors([2, 3, 4], [2, 3, 2, 2], 3)), '');
  assert.match(
    await errorOf(config, { method: 'forwardTrain', args: TRAIN_ARGS }, trainTensors([2, 3, 2, 3], [2, 3, 2, 2], 3)),
    /batchnorm forwardTrain: x has shape \[2, 3, 2, 3\] but \[2, 3, \.\.\.\] was expected with trailing dims multiplying to spatial = 4/,
  );
  assert.match(
    await errorOf(config, { method: 'forwardTrain', args: TRAIN_ARGS }, trainTensors([2, 3, 4], [3, 2, 4], 3)),
    /batchnorm forwardTrain: y has shape \[3, 2, 4\]/,
  );
  assert.match(
    await errorOf(config, { method: 'forwardTrain', args: TRAIN_ARGS }, trainTensors([2, 3, 4], [2, 3, 4], 3, [4])),
    /batchnorm forwardTrain: gamma has shape \[4\] but \[3\] was expected/,
  );
  assert.match(
    await errorOf(config, { method: 'forwardEval', args: ['x', 'gamma', 'beta', 'rm', 'rv', 'y'] },
      { x: [2, 3, 4], y: [2, 3, 4], gamma: [3], beta: [3], rm: [3], rv: [3, 1] }),
    /batchnorm forwardEval: runningVar has shape \[3, 1\] but \[3\] was expected/,
  );
  assert.match(
    await errorOf(config, { method: 'backward', args: ['x', 'dy', 'gamma', 'm', 's', 'dx', 'dg', 'db'] },
      { x: [2, 3, 4], dy: [2, 3, 5], dx: [2, 3, 4], gamma: [3], m: [3], s: [3], dg: [3], db: [3] }),
    /batchnorm backward: dy has shape \[2, 3, 5\]/,
  );
});

test.run();
