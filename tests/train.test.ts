import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { splitTrainValidation } from '../src/data/dataset.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { initialParameters, lenetParameters, lenetRunningStatistics, parameterCount } from '../src/model/lenet.ts';
import { variant, VARIANT_NAMES, type VariantName } from '../src/model/variants.ts';
import { resolveOptions } from '../src/train/options.ts';
import { epochOrder } from '../src/train/shuffle.ts';
import { referenceStep, type ReferenceModel } from './reference/lenet.ts';
import { trainOnGpu } from './support/browser.ts';
import { expectClose, expectIdentical } from './support/compare.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('training');

test('LeNet-5 has the study\'s parameter counts and PyTorch state_dict names and shapes', () => {
  assert.is(parameterCount(false), 61_706);
  assert.is(parameterCount(true), 61_990);
  assert.equal(lenetParameters(false).map((p) => `${p.name}[${p.shape}]`), [
    'conv1.weight[6,1,5,5]', 'conv1.bias[6]', 'conv2.weight[16,6,5,5]', 'conv2.bias[16]', 'conv3.weight[120,16,5,5]',
    'conv3.bias[120]', 'fc1.weight[84,120]', 'fc1.bias[84]', 'fc2.weight[10,84]', 'fc2.bias[10]',
  ]);
  const bn = lenetParameters(true).map((p) => p.name);
  assert.equal(bn.slice(0, 4), ['conv1.weight', 'conv1.bias', 'bn1.weight', 'bn1.bias']);
  assert.equal(lenetRunningStatistics(true).map((s) => `${s.name}[${s.shape}]`), [
    'bn1.running_mean[6]', 'bn1.running_var[6]', 'bn2.running_mean[16]', 'bn2.running_var[16]', 'bn3.running_mean[120]', 'bn3.running_var[120]',
  ]);
});

test('initialisation follows PyTorch\'s bounds and is reproducible from the seed', () => {
  const specs = lenetParameters(true);
  const a = initialParameters(specs, 5);
  assert.equal([...a.get('conv2.weight')!], [...initialParameters(specs, 5).get('conv2.weight')!]);
  assert.not.equal([...a.get('conv2.weight')!], [...initialParameters(specs, 6).get('conv2.weight')!]);
  for (const spec of specs) {
    const values = [...a.get(spec.name)!];
    if (spec.init === 'ones') assert.ok(values.every((v) => v === 1), spec.name);
    else if (spec.init === 'zeros') assert.ok(values.every((v) => v === 0), spec.name);
    else {
      const bound = 1 / Math.sqrt(spec.fanIn);
      assert.ok(values.every((v) => Math.abs(v) <= bound), `${spec.name} within ±${bound}`);
      // A uniform draw fills its range: the extremes come within 10% of the bound.
      if (values.length > 100) assert.ok(Math.max(...values.map(Math.abs)) > 0.9 * bound, `${spec.name} spans its range`);
    }
  }
});

test('variants are configuration and combine; bad hyperparameters are refused by name', () => {
  assert.equal(VARIANT_NAMES, ['baseline', 'dropout', 'weight-decay', 'batchnorm']);
  const combined = variant('batchnorm', { dropout: 0.3 });
  assert.is(combined.batchNorm, true);
  assert.is(combined.dropout, 0.3);
  assert.is(variant('weight-decay').weightDecay, 1e-3);
  assert.throws(() => variant('dropout', { dropout: 1 }), /dropout p must be in \[0, 1\), got 1/);
  assert.throws(() => variant('nope' as VariantName), /unknown variant 'nope'; expected one of baseline, dropout, weight-decay, batchnorm/);
  assert.throws(() => resolveOptions({ optimizer: { lr: -1 } }), /learning rate must be a number in \(0, 10\], got -1/);
  assert.throws(() => resolveOptions({ optimizer: { lr: NaN } }), /learning rate must be a number in \(0, 10\], got NaN/);
  assert.throws(() => resolveOptions({ batchSize: 0 }), /batch size must be an integer in \[1, 4096\], got 0/);
  assert.throws(() => resolveOptions({ optimizer: { kind: 'rmsprop' as 'adam' } }), /optimizer must be one of adam, adamw, sgd, got rmsprop/);
  assert.throws(() => resolveOptions({ optimizer: { beta2: 1 } }), /beta2 must be a number in \[0, 1\), got 1/);
});

// A tiny synthetic dataset: 20 training images in batches of 8, so the third step is a partial batch of 4.
const SEED = 11;
const BATCH = 8;
const VALIDATION = 4;
const TRAIN_IMAGES = 24;
const LR = 1e-3;
const data = syntheticDataset(TRAIN_IMAGES, 8, 3);
const tinyOptions = { seed: SEED, batchSize: BATCH, validationSize: VALIDATION, evalBatchSize: 8, stepsPerSubmit: 1 };

function modelFromSnapshot(snapshot: Record<string, number[]>): ReferenceModel {
  const model: ReferenceModel = { params: new Map(), statistics: new Map(), m: new Map(), v: new Map() };
  for (const [name, values] of Object.entries(snapshot)) {
    if (name.startsWith('moment1:')) model.m.set(name.slice(8), values);
    else if (name.startsWith('moment2:')) model.v.set(name.slice(8), values);
    else if (name.includes('.running_')) model.statistics.set(name, values);
    else model.params.set(name, values);
  }
  return model;
}

/** Conv biases followed by batch norm: their exact gradient is 0 (BN removes the channel mean). */
const zeroGradient = (name: string, v: { batchNorm: boolean }) => v.batchNorm && /^conv\d\.bias$/.test(name);

for (const name of VARIANT_NAMES) {
  test(`${name}: every GPU training step equals the float64 reference step`, async () => {
    const steps = 3;
    const report = await trainOnGpu({ dataset: { base64: data.base64 }, variant: name, options: tinyOptions, budget: { steps }, snapshots: true });
    assert.not.ok(report.error, report.error?.message);
    const v = variant(name);
    const order = epochOrder(splitTrainValidation(TRAIN_IMAGES, VALIDATION, SEED).train, SEED, 0);
    const initial = initialParameters(lenetParameters(v.batchNorm), SEED);
    for (const [param, values] of initial) expectIdentical(report.snapshots[0]![param]!, values, `${name} initial ${param}`);

    for (let s = 0; s < steps; s++) {
      // Each step starts from the GPU's own state, so f32 rounding of earlier steps does not compound.
      const before = modelFromSnapshot(report.snapshots[s]!);
      const indices = Array.from(order.slice(s * BATCH, (s + 1) * BATCH));
      const x = indices.flatMap((i) => Array.from(data.trainPixels.subarray(i * 784, (i + 1) * 784), (p) => p * Math.fround(2 / 255) - 1));
      // Where the exact gradient is 0, Adam's step is driven by f32 rounding noise alone (bounded by
      // the gradient check below), so the optimizer is replayed on the GPU's own gradient there.
      const noise = new Map(Object.entries(report.gradients[s]!).filter(([param]) => zeroGradient(param, v)));
      const ref = referenceStep(before, v, { x, labels: indices.map((i) => data.trainLabels[i]!), step: s + 1, seed: SEED, lr: LR, optimizerGradients: noise });
      const after = report.snapshots[s + 1]!;
      const context = (what: string) => `${name} step ${s + 1} (batch ${indices.length}, seed ${SEED}) ${what}`;
      for (const [param, refGrad] of ref.grads) {
        const gpuGrad = report.gradients[s]![param]!;
        if (zeroGradient(param, v)) {
          // f32 leaves only rounding noise of a sum of ~n·|dy| terms that cancels exactly.
          expectClose(gpuGrad, refGrad, { atol: 1e-6, rtol: 0 }, context(`gradient of ${param}`));
          continue;
        }
        // Gradients sum up to 6,272 products (conv1 at batch 8); atol is relative to the tensor's
        // largest gradient so tiny entries are judged by the scale of their tensor's f32 rounding.
        const scale = Math.max(...refGrad.map(Math.abs));
        expectClose(gpuGrad, refGrad, { atol: 2e-5 * scale, rtol: 1e-3 }, context(`gradient of ${param}`));
      }
      for (const [param, refValue] of ref.model.params) {
        // Adam's update lr·m̂/(√v̂+ε) has slope up to lr/ε in g near g = 0, so an f32 gradient error of
        // ~1e-9 on an entry whose gradient is ~ε = 1e-8 moves it by a few percent of lr: atol 0.05·lr.
        expectClose(after[param]!, refValue, { atol: 0.05 * LR, rtol: 1e-4 }, context(`parameter ${param}`));
        expectClose(after[`moment1:${param}`]!, ref.model.m.get(param)!, { atol: zeroGradient(param, v) ? 1e-6 : 2e-5 * Math.max(...ref.grads.get(param)!.map(Math.abs)), rtol: 1e-3 }, context(`Adam m of ${param}`));
      }
      for (const [stat, refValue] of ref.model.statistics) {
        expectClose(after[stat]!, refValue, { atol: 1e-6, rtol: 1e-4 }, context(stat));
      }
    }
  });
}

test('the same seed gives bit-identical metrics and weights; another seed does not', async () => {
  const run = (seed: number) => trainOnGpu({
    dataset: { base64: data.base64 }, variant: 'dropout', options: { ...tinyOptions, seed, stepsPerSubmit: 2 },
    budget: { epochs: 2 }, exportWeights: true,
  });
  const [a, b, c] = [await run(SEED), await run(SEED), await run(SEED + 1)];
  for (const r of [a, b, c]) assert.not.ok(r.error, r.error?.message);
  assert.is(a.epochs.length, 2);
  const metrics = (r: typeof a) => r.epochs.map((e) => [e.trainLoss, e.trainAccuracy, e.validationLoss, e.validationAccuracy, e.testLoss, e.testAccuracy]);
  assert.equal(metrics(a), metrics(b));
  assert.is(a.weightsBase64, b.weightsBase64);
  assert.not.equal(a.weightsBase64, c.weightsBase64);
});

test('training in pieces (stop and resume between steps) ends where one run ends', async () => {
  const whole = await trainOnGpu({ dataset: { base64: data.base64 }, variant: 'batchnorm', options: tinyOptions, budget: { steps: 5 }, exportWeights: true });
  const pieces = await trainOnGpu({ dataset: { base64: data.base64 }, variant: 'batchnorm', options: tinyOptions, budget: { steps: 5 }, snapshots: true, exportWeights: true });
  assert.not.ok(whole.error ?? pieces.error);
  assert.is(whole.weightsBase64, pieces.weightsBase64);
});

test('a checkpoint saved mid-epoch and loaded into a new trainer continues the same run', async () => {
  const options = { ...tinyOptions, stepsPerSubmit: 2 };
  const whole = await trainOnGpu({ dataset: { base64: data.base64 }, variant: 'dropout', options, budget: { epochs: 2 }, exportWeights: true });
  const resumed = await trainOnGpu({ dataset: { base64: data.base64 }, variant: 'dropout', options, budget: { epochs: 2 }, checkpointAfter: 4, exportWeights: true });
  assert.not.ok(whole.error ?? resumed.error, (whole.error ?? resumed.error)?.message);
  assert.is(resumed.weightsBase64, whole.weightsBase64);
  const metrics = (r: typeof whole) => r.epochs.map((e) => [e.epoch, e.trainLoss, e.trainAccuracy, e.validationAccuracy, e.testAccuracy]);
  assert.equal(metrics(resumed), metrics(whole));
});

test('the epoch covers every training image once, the last batch partial unless dropLast', async () => {
  const full = await trainOnGpu({ dataset: { base64: data.base64 }, variant: 'baseline', options: tinyOptions, budget: { epochs: 1 } });
  assert.not.ok(full.error, full.error?.message);
  assert.is(full.trainSize, 20);
  assert.is(full.stepsPerEpoch, 3);
  assert.is(full.progress.at(-1)!.step, 3);
  const dropped = await trainOnGpu({ dataset: { base64: data.base64 }, variant: 'baseline', options: { ...tinyOptions, dropLast: true }, budget: { epochs: 1 } });
  assert.is(dropped.stepsPerEpoch, 2);
  assert.is(full.progress.at(-1)!.samples, 20);
  assert.is(dropped.progress.at(-1)!.samples, 16);
});

test('evaluation reports its progress per command buffer: each split in order, rising to its size', async () => {
  // Batches of 3: validation 4 images = 2 batches, test 8 = 3 batches (a partial last batch each).
  const r = await trainOnGpu({ dataset: { base64: data.base64 }, variant: 'baseline', options: { ...tinyOptions, evalBatchSize: 3 }, budget: { epochs: 1 }, evaluate: ['test'] });
  assert.not.ok(r.error, r.error?.message);
  const seen = r.evaluationProgress.map((p) => `${p.variant} ${p.split} ${p.images}/${p.total}`);
  assert.equal(seen, [
    'baseline validation 3/4', 'baseline validation 4/4',
    'baseline test 3/8', 'baseline test 6/8', 'baseline test 8/8',
    // evaluate('test') after training reports too.
    'baseline test 3/8', 'baseline test 6/8', 'baseline test 8/8',
  ]);
});

test('predict() on raw pixels agrees with predictTest(), and rejects a partial image', async () => {
  const report = await trainOnGpu({ dataset: { base64: data.base64 }, variant: 'batchnorm', options: tinyOptions, budget: { steps: 3 }, predictCount: 8 });
  assert.not.ok(report.error, report.error?.message);
  assert.is(report.predictions!.test.length, 8);
  assert.ok(report.predictions!.test.every((c) => Number.isInteger(c) && c >= 0 && c < 10));
  assert.equal(report.predictions!.direct, report.predictions!.test);
});

test("the original study's evaluation quirks are an explicit option that changes only evaluation", async () => {
  const run = (variantName: 'dropout' | 'batchnorm', quirks: boolean) => trainOnGpu({
    dataset: { base64: data.base64 }, variant: variantName, options: { ...tinyOptions, quirks }, budget: { steps: 3 },
    evaluate: ['test'], snapshots: true,
  });
  for (const name of ['dropout', 'batchnorm'] as const) {
    const [correct, quirky] = [await run(name, false), await run(name, true)];
    assert.not.ok(correct.error ?? quirky.error, (correct.error ?? quirky.error)?.message);
    // Training is the same run; only the evaluation differs (dropout on / batch statistics).
    expectIdentical(quirky.snapshots[3]!['conv2.weight']!, correct.snapshots[3]!['conv2.weight']!, `${name} weights with and without quirks`);
    assert.is.not(quirky.evaluations.test!.loss, correct.evaluations.test!.loss, `${name}: quirks must change the test loss`);
  }
});

test('a diverging loss stops the variant with an error naming the epoch and step', async () => {
  // Inputs scaled to ~1e38 overflow conv1 to ±Inf; their sums give NaN in the first step.
  const report = await trainOnGpu({
    dataset: { base64: data.base64 }, variant: 'baseline',
    options: { ...tinyOptions, normalization: { scale: 3e36, shift: 0 } }, budget: { steps: 3 },
  });
  assert.is(report.error?.name, 'DivergenceError');
  assert.match(report.error!.message, /baseline: loss became NaN\/Inf at epoch 1, step 1/);
});

test('weights export as safetensors with PyTorch names and shapes, and import back exactly', async () => {
  const report = await trainOnGpu({ dataset: { base64: data.base64 }, variant: 'batchnorm', options: tinyOptions, budget: { steps: 2 }, exportWeights: true, snapshots: true });
  assert.not.ok(report.error, report.error?.message);
  const { tensors, metadata } = decodeSafetensors(Buffer.from(report.weightsBase64!, 'base64'));
  assert.is(metadata.variant, 'batchnorm');
  for (const spec of [...lenetParameters(true), ...lenetRunningStatistics(true)]) {
    const t = tensors.get(spec.name);
    assert.ok(t, `${spec.name} present`);
    assert.equal(t!.shape, spec.shape);
    expectIdentical(Array.from(t!.data), report.snapshots.at(-1)![spec.name]!, `exported ${spec.name}`);
  }
  assert.equal(tensors.get('bn2.num_batches_tracked')!.dtype, 'I64');
  assert.equal(Array.from(tensors.get('bn2.num_batches_tracked')!.data), [2]);
  assert.is(tensors.size, 16 + 6 + 3);
});

test.run();
