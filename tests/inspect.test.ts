/**
 * Looking inside a trained model: Trainer.parameters() against the weights it exports, and
 * Trainer.activations() against the float64 reference forward (tests/reference/activations.ts),
 * for every variant; the same through TrainingWorker, bit for bit.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bundleToString } from '../build.mjs';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { lenetParameters, lenetRunningStatistics } from '../src/model/lenet.ts';
import { variant, VARIANT_NAMES } from '../src/model/variants.ts';
import { listedLayers, referenceActivations, referenceLayer } from './reference/activations.ts';
import { expectClose, expectIdentical } from './support/compare.ts';
import { callInPage } from './support/page.ts';
import { syntheticDataset } from './support/synthetic.ts';
import type { InspectReport, InspectRequest, PlainActivation, PlainTensor } from './embed/inspect-page.ts';

const test = suite('inspect');

const request: InspectRequest = {
  base64: syntheticDataset(40, 8, 17).base64,
  options: { seed: 4, batchSize: 8, validationSize: 8, evalBatchSize: 8, stepsPerSubmit: 1 },
  // A few Adam steps: weights and batch norm's running statistics are no longer their initial values.
  steps: 3,
  variants: [...VARIANT_NAMES],
  images: [0, 5],
  workerVariant: 'batchnorm',
};

let pending: Promise<InspectReport> | null = null;
function report(): Promise<InspectReport> {
  pending ??= bundleToString('src/worker/worker.ts').then((worker) =>
    callInPage<InspectReport>('tests/embed/inspect-page.ts', { '/worker.js': ['text/javascript', worker] }, 'inspectCheck', 'run', request));
  return pending;
}

const byName = (tensors: PlainTensor[]) => new Map(tensors.map((t) => [t.name, t.data]));
const maxAbs = (v: number[]) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

test('parameters() are the state_dict tensors exportWeights() writes: names, shapes and values', async () => {
  const { main } = await report();
  for (const name of VARIANT_NAMES) {
    const v = variant(name);
    const { parameters, weightsBase64 } = main[name]!;
    const specs = [...lenetParameters(v.batchNorm), ...lenetRunningStatistics(v.batchNorm)];
    assert.equal(parameters.map((t) => `${t.name}[${t.shape}]`), specs.map((s) => `${s.name}[${s.shape}]`), name);
    const { tensors } = decodeSafetensors(Buffer.from(weightsBase64, 'base64'));
    for (const t of parameters) {
      assert.is(t.data.length, t.shape.reduce((a, b) => a * b, 1), `${name} ${t.name} size`);
      expectIdentical(t.data, Array.from(tensors.get(t.name)!.data), `${name} ${t.name} vs the exported weights`);
    }
  }
  // Training moved batch norm's running statistics off their initial 0 and 1.
  const bn = byName(main.batchnorm!.parameters);
  assert.ok(bn.get('bn1.running_mean')!.some((x) => x !== 0) && bn.get('bn1.running_var')!.some((x) => x !== 1));
});

test('activations() lists input and every computing layer in order, shaped without the batch', async () => {
  const { main } = await report();
  const shapes = (layers: PlainActivation[]) => layers.map((l) => `${l.layer}:${l.kind}[${l.shape}]`);
  const plain = ['input:input[1,28,28]', 'conv1:conv[6,28,28]', 'act1:tanh-pool[6,14,14]', 'conv2:conv[16,10,10]', 'act2:tanh-pool[16,5,5]',
    'conv3:conv[120,1,1]', 'fc1:linear[84]', 'fc2:linear[10]'];
  for (const name of ['baseline', 'dropout', 'weight-decay'] as const) assert.equal(shapes(main[name]!.activations[0]!.layers), plain, name);
  assert.equal(shapes(main.batchnorm!.activations[0]!.layers), [
    'input:input[1,28,28]', 'conv1:conv[6,28,28]', 'bn1:batchnorm[6,28,28]', 'act1:tanh-pool[6,14,14]', 'conv2:conv[16,10,10]',
    'bn2:batchnorm[16,10,10]', 'act2:tanh-pool[16,5,5]', 'conv3:conv[120,1,1]', 'bn3:batchnorm[120,1,1]', 'fc1:linear[84]', 'fc2:linear[10]',
  ]);
  for (const name of VARIANT_NAMES) {
    for (const { layers } of main[name]!.activations) {
      for (const l of layers) assert.is(l.data.length, l.shape.reduce((a, b) => a * b, 1), `${name} ${l.layer}`);
    }
  }
});

// conv3's outputs sum 400 f32 products (16·5·5), the most of any layer: rounding ~√400·2⁻²⁴ ≈ 1e-6
// of the tensor's largest value; 1e-5 of it bounds every element (measured: under 1e-6).
const LAYER_TOLERANCE = 1e-5;

test("each layer's activation equals the float64 reference of that layer, fed the GPU's own input", async () => {
  const { main } = await report();
  for (const name of VARIANT_NAMES) {
    const v = variant(name);
    const tensors = byName(main[name]!.parameters);
    main[name]!.activations.forEach(({ pixels, layers }, image) => {
      const context = (what: string) => `${name}, test image ${request.images[image]}: ${what}`;
      // The gather computes pixel·(2/255) − 1 in f32: within 2 ulp of 1.
      expectClose(layers[0]!.data, pixels.map((p) => p * Math.fround(2 / 255) - 1), { atol: 2.4e-7, rtol: 0 }, context('input'));
      listedLayers(v).forEach((layer, i) => {
        const ref = referenceLayer(layer, layers[i]!.data, tensors);
        expectClose(layers[i + 1]!.data, ref, { atol: LAYER_TOLERANCE * maxAbs(ref), rtol: 0 }, context(layer.name));
      });
    });
  }
});

test('the reference forward chained from the image alone reaches the GPU\'s logits', async () => {
  const { main } = await report();
  for (const name of VARIANT_NAMES) {
    const tensors = byName(main[name]!.parameters);
    for (const { pixels, layers } of main[name]!.activations) {
      const chained = referenceActivations(variant(name), tensors, pixels.map((p) => p * Math.fround(2 / 255) - 1));
      assert.equal(chained.map((l) => l.layer), layers.map((l) => l.layer));
      // Rounding compounds through seven layers, each well inside LAYER_TOLERANCE (measured: under 1e-6).
      const logits = chained.at(-1)!.values;
      expectClose(layers.at(-1)!.data, logits, { atol: LAYER_TOLERANCE * maxAbs(logits), rtol: 0 }, `${name} logits`);
    }
  }
});

test('through TrainingWorker: the same parameters and activations, bit for bit', async () => {
  const { main, worker } = await report();
  const expected = main[request.workerVariant]!;
  assert.equal(worker.parameters.map((t) => t.name), expected.parameters.map((t) => t.name));
  worker.parameters.forEach((t, i) => {
    assert.equal(t.shape, expected.parameters[i]!.shape);
    expectIdentical(t.data, expected.parameters[i]!.data, `worker ${t.name}`);
  });
  assert.is(worker.activations.length, request.images.length);
  worker.activations.forEach((layers, image) => {
    assert.equal(layers.map((l) => `${l.layer}[${l.shape}]`), expected.activations[image]!.layers.map((l) => `${l.layer}[${l.shape}]`));
    layers.forEach((l, i) => expectIdentical(l.data, expected.activations[image]!.layers[i]!.data, `worker image ${image} ${l.layer}`));
  });
});

test('activations() frees what each call uploads, and its trainer frees the rest on dispose()', async () => {
  const { buffers } = await report();
  for (const name of VARIANT_NAMES) assert.equal(buffers[name], { repeatGrowth: 0, leftAfterDispose: 0 }, name);
});

test('activations() takes exactly one 28×28 image, and says so', async () => {
  const { errors } = await report();
  const message = (got: number) => `RangeError: activations: expected a Uint8Array of 784 pixels (one 28×28 image), got ${got} values`;
  assert.is(errors.shortImage, message(783));
  assert.is(errors.twoImages, message(1568));
  assert.is(errors.workerShortImage, message(783));
});

test.run();
