import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRandom } from '../src/random.ts';
import type { Action, ProgramResult, TensorSpec } from './browser/harness.ts';
import { runOnGpu } from './support/browser.ts';
import { expectClose, expectIdentical } from './support/compare.ts';
import { checkGradient } from './support/gradcheck.ts';
import { randomArray, randomF32, randomInt, suiteSeed } from './support/random.ts';
import { meanCrossEntropy, softmaxCrossEntropy } from './reference/loss.ts';

const test = suite('loss');
const SEED = suiteSeed(303);

// dLogits = (p − onehot)/N with p = exp(l − max)/Σ: f32 exp is good to a few ulp for the
// arguments that give non-negligible p, so |p error| ≲ 1e-6 and the entries (scaled by 1/N) get
// atol 1e-6/N; rtol as for elementwise ops.
const gradTol = (batch: number) => ({ atol: 1e-6 / batch, rtol: 1e-4 });
// The loss sum: each sample's loss is (max − l_label) + log Σ, a few f32 roundings (~1e-7
// relative), summed over ≤ 300 samples by a tree of depth ≤ 9, adding ≤ 9·2⁻²⁴ relative.
const LOSS_TOL = { atol: 1e-6, rtol: 1e-5 };

// [batch, classes]: batch 1, LeNet's 10 classes at batch 64 and 256, a batch beyond the
// 256-invocation workgroup (several samples per invocation), odd and degenerate class counts.
const SHAPES: [number, number][] = [[1, 10], [64, 10], [256, 10], [300, 10], [3, 7], [5, 1], [17, 1000]];

const INITIAL_METRICS = [1.5, 2, 3, 7];

interface Case {
  batch: number;
  classes: number;
  logits: number[];
  labels: number[];
}

function randomCase(rng: SeededRandom, batch: number, classes: number): Case {
  return {
    batch,
    classes,
    logits: randomF32(rng, batch * classes, -4, 4),
    labels: Array.from({ length: batch }, () => rng.int(classes)),
  };
}

function tensorsFor(c: Case): Record<string, TensorSpec> {
  const n = c.batch * c.classes;
  return {
    logits: { shape: [c.batch, c.classes], data: c.logits },
    labels: { shape: [c.batch], dtype: 'u32', data: c.labels },
    // Junk to show the gradient and the predictions are overwritten.
    dLogits: { shape: [c.batch, c.classes], data: new Array<number>(n).fill(5) },
    predictions: { shape: [c.batch], dtype: 'u32', data: new Array<number>(c.batch).fill(12345) },
    metrics: { shape: [4], data: INITIAL_METRICS },
    evalMetrics: { shape: [4] },
  };
}

const ALL_CALLS: Action[] = [
  { call: 'ce', method: 'forward', args: ['logits', 'labels', 'dLogits', 'metrics'] },
  { call: 'ce', method: 'evaluate', args: ['logits', 'labels', 'evalMetrics'] },
  { call: 'ce', method: 'predict', args: ['logits', 'predictions'] },
  { read: ['dLogits', 'metrics', 'evalMetrics', 'predictions'] },
];

function run(c: Case, actions: Action[] = ALL_CALLS, extra: Record<string, TensorSpec> = {}): Promise<ProgramResult> {
  return runOnGpu({
    tensors: { ...tensorsFor(c), ...extra },
    ops: { ce: { op: 'SoftmaxCrossEntropy', args: [{ batch: c.batch, classes: c.classes }] } },
    actions,
  });
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** metrics += [Σ loss, #correct, N] on top of `initial`; slot 3 untouched. */
function expectMetrics(got: number[], initial: number[], losses: number[], correct: number, batch: number, context: string): void {
  expectClose([got[0]!], [initial[0]! + sum(losses)], LOSS_TOL, `${context} metrics[0] (loss sum)`);
  assert.is(got[1], initial[1]! + correct, `${context} metrics[1] (correct)`);
  assert.is(got[2], initial[2]! + batch, `${context} metrics[2] (samples)`);
  assert.is(got[3], initial[3], `${context} metrics[3] must be left alone`);
}

/** Compare every output of ALL_CALLS with the reference. */
function expectMatchesReference(result: ProgramResult, c: Case, context: string): void {
  assert.not.ok(result.error, result.error?.message);
  const got = result.reads[0]!.tensors;
  const ref = softmaxCrossEntropy(c.classes, c.logits, c.labels);
  expectClose(got.dLogits!, ref.dLogits, gradTol(c.batch), `softmax CE forward dLogits ${context}`);
  expectMetrics(got.metrics!, INITIAL_METRICS, ref.losses, ref.correct, c.batch, `softmax CE forward ${context}`);
  expectMetrics(got.evalMetrics!, [0, 0, 0, 0], ref.losses, ref.correct, c.batch, `softmax CE evaluate ${context}`);
  assert.equal(got.predictions, ref.predictions, `softmax CE predict ${context}`);
}

test('reference gradient matches finite differences (including an out-of-range label)', () => {
  const rng = new SeededRandom(SEED);
  const classes = 5;
  const logits = randomArray(rng, 4 * classes, -3, 3);
  const labels = [0, 3, 4, 7];
  const { dLogits } = softmaxCrossEntropy(classes, logits, labels);
  checkGradient('softmax cross-entropy', logits, (v) => [meanCrossEntropy(classes, v, labels)], dLogits, [1]);
});

test('forward, evaluate and predict match the reference', async () => {
  const rng = new SeededRandom(SEED + 1);
  const shapes = [...SHAPES, [randomInt(rng, 1, 300), randomInt(rng, 2, 40)] as [number, number]];
  for (const [batch, classes] of shapes) {
    const c = randomCase(rng, batch, classes);
    expectMatchesReference(await run(c), c, `seed ${SEED + 1} shape [${batch}, ${classes}]`);
  }
});

test('argmax ties go to the lowest index, as torch.argmax', async () => {
  const rng = new SeededRandom(SEED + 2);
  const batch = 40;
  const classes = 10;
  // Logits from {0, 1, 2}: most rows have tied maxima; labels often hit a tied non-first maximum.
  const c: Case = {
    batch,
    classes,
    logits: Array.from({ length: batch * classes }, () => rng.int(3)),
    labels: Array.from({ length: batch }, () => rng.int(classes)),
  };
  const ref = softmaxCrossEntropy(classes, c.logits, c.labels);
  assert.ok(ref.predictions.some((p, n) => c.logits.slice(n * classes + p + 1, (n + 1) * classes).includes(c.logits[n * classes + p]!)), 'the case has ties');
  expectMatchesReference(await run(c), c, `seed ${SEED + 2} shape [${batch}, ${classes}] with ties`);
});

test('logits of magnitude 1e4 give finite loss and gradient', async () => {
  const classes = 10;
  const rows = [
    [1e4, -1e4, 0, 0, 0, 0, 0, 0, 0, 0],
    [-1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4],
    [1e4, 1e4, -1e4, 5e3, -5e3, 1, 2, 3, 4, 1e4],
    [-1e4, 9999, -1e4, -1e4, 1e4, -1e4, -1e4, -1e4, -1e4, -1e4],
  ];
  const c: Case = { batch: rows.length, classes, logits: rows.flat(), labels: [1, 3, 9, 1] };
  const result = await run(c);
  const got = result.reads[0]?.tensors;
  assert.ok(got?.dLogits?.every(Number.isFinite), `non-finite gradient: ${got?.dLogits}`);
  assert.ok(got?.metrics?.every(Number.isFinite), `non-finite metrics: ${got?.metrics}`);
  expectMatchesReference(result, c, 'logits ±1e4');
});

test('labels ≥ classes: no loss, no gradient, counted wrong, counted in N', async () => {
  const rng = new SeededRandom(SEED + 3);
  const c = randomCase(rng, 6, 4);
  c.labels = [0, 4, 3, 0xffffffff, 1, 100];
  const result = await run(c);
  expectMatchesReference(result, c, `seed ${SEED + 3} shape [6, 4] with labels ${c.labels}`);
  const got = result.reads[0]!.tensors;
  for (const n of [1, 3, 5]) assert.equal(got.dLogits!.slice(n * 4, n * 4 + 4), [0, 0, 0, 0], `row ${n} gradient`);
});

test('metrics accumulate over consecutive calls', async () => {
  const rng = new SeededRandom(SEED + 4);
  const a = randomCase(rng, 64, 10);
  const b = randomCase(rng, 64, 10);
  const result = await run(a, [
    { call: 'ce', method: 'forward', args: ['logits', 'labels', 'dLogits', 'metrics'] },
    { call: 'ce', method: 'forward', args: ['logitsB', 'labelsB', 'dLogits', 'metrics'] },
    { call: 'ce', method: 'evaluate', args: ['logits', 'labels', 'metrics'] },
    { read: ['metrics'] },
  ], {
    logitsB: { shape: [64, 10], data: b.logits },
    labelsB: { shape: [64], dtype: 'u32', data: b.labels },
  });
  assert.not.ok(result.error, result.error?.message);
  const refA = softmaxCrossEntropy(10, a.logits, a.labels);
  const refB = softmaxCrossEntropy(10, b.logits, b.labels);
  expectMetrics(result.reads[0]!.tensors.metrics!, INITIAL_METRICS, [...refA.losses, ...refB.losses, ...refA.losses],
    2 * refA.correct + refB.correct, 3 * 64, `seed ${SEED + 4} shape [64, 10] forward A, forward B, evaluate A`);
});

test('forward is bit-identical run after run', async () => {
  const rng = new SeededRandom(SEED + 5);
  const c = randomCase(rng, 256, 10);
  const [first, second] = [await run(c), await run(c)];
  assert.not.ok(first.error ?? second.error);
  for (const name of ['dLogits', 'metrics', 'evalMetrics', 'predictions']) {
    expectIdentical(first.reads[0]!.tensors[name]!, second.reads[0]!.tensors[name]!, `softmax CE ${name} seed ${SEED + 5} shape [256, 10]`);
  }
});

test('invalid config is refused with the field named', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ batch: 0, classes: 10 }, /SoftmaxCrossEntropy: batch must be a positive integer, got 0/],
    [{ batch: 4, classes: 2.5 }, /SoftmaxCrossEntropy: classes must be a positive integer, got 2\.5/],
    [{ batch: 4 }, /SoftmaxCrossEntropy: classes must be a positive integer, got undefined/],
  ];
  for (const [config, message] of cases) {
    const result = await runOnGpu({ tensors: {}, ops: { ce: { op: 'SoftmaxCrossEntropy', args: [config] } }, actions: [] });
    assert.is(result.error?.name, 'RangeError', JSON.stringify(config));
    assert.match(result.error?.message ?? '', message);
  }
});

test('mismatched shapes and dtypes are refused with the op and tensor named', async () => {
  const c = randomCase(new SeededRandom(SEED + 6), 4, 10);
  const extra: Record<string, TensorSpec> = {
    wide: { shape: [4, 11] },
    labels5: { shape: [5], dtype: 'u32' },
    labelsF32: { shape: [4] },
    metrics3: { shape: [3] },
    predictionsF32: { shape: [4] },
  };
  const cases: [Action, RegExp][] = [
    [{ call: 'ce', method: 'forward', args: ['wide', 'labels', 'dLogits', 'metrics'] }, /softmax cross-entropy forward: logits has shape \[4, 11\] but \[4, 10\] was expected/],
    [{ call: 'ce', method: 'forward', args: ['logits', 'labels', 'wide', 'metrics'] }, /softmax cross-entropy forward: dLogits has shape \[4, 11\] but \[4, 10\] was expected/],
    [{ call: 'ce', method: 'forward', args: ['logits', 'labels5', 'dLogits', 'metrics'] }, /softmax cross-entropy forward: labels has shape \[5\] but \[4\] was expected/],
    [{ call: 'ce', method: 'forward', args: ['logits', 'labelsF32', 'dLogits', 'metrics'] }, /softmax cross-entropy forward: labels must be u32, got f32/],
    [{ call: 'ce', method: 'evaluate', args: ['logits', 'labels', 'metrics3'] }, /softmax cross-entropy evaluate: metrics has shape \[3\] but \[4\] was expected/],
    [{ call: 'ce', method: 'predict', args: ['logits', 'predictionsF32'] }, /softmax cross-entropy predict: predictions must be u32, got f32/],
  ];
  for (const [action, message] of cases) {
    const result = await run(c, [action], extra);
    assert.match(result.error?.message ?? '', message);
  }
});

test.run();
