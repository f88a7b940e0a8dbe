import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { callInPage } from './support/page.ts';
import { syntheticDataset } from './support/synthetic.ts';
import type { LifecycleReport } from './embed/lifecycle-page.ts';

const test = suite('engine lifecycle');

let pending: Promise<LifecycleReport> | null = null;
function checked(): Promise<LifecycleReport> {
  pending ??= callInPage<LifecycleReport>('tests/embed/lifecycle-page.ts', {}, 'lifecycle', 'check', syntheticDataset(60, 20, 12).base64);
  return pending;
}

test('dispose() gives back every buffer the engine made: the count returns to zero', async () => {
  const { buffers } = await checked();
  assert.is(buffers.fresh, 0);
  assert.is(buffers.dataset, 4);
  assert.ok(buffers.trainers > buffers.dataset, JSON.stringify(buffers));
  assert.ok(buffers.afterWork >= buffers.trainers, JSON.stringify(buffers));
  assert.is(buffers.trainersDisposed, 4, 'the dataset alone is left');
  assert.is(buffers.end, 0);
});

test('two trainers on one engine and dataset, trained at once, share nothing they write', async () => {
  assert.equal((await checked()).concurrentMatchesAlone, [true, true]);
});

test('a dataset of the wrong shape is refused, naming what is wrong', async () => {
  const { errors } = await checked();
  assert.is(errors.shortImages, 'DatasetError: test set: 100 pixels for 20 images of 28×28 (expected 15680)');
  assert.is(errors.badLabel, 'DatasetError: train set: label 10 at index 3 is outside 0–9');
  assert.is(errors.badSize, 'DatasetError: train set: images are 32×32, expected 28×28');
  assert.is(errors.noLabels, 'DatasetError: train set: needs a Uint8Array of 60 labels, got 59');
});

test('a disposed trainer or dataset, and a dataset from another engine, are clear errors', async () => {
  const { errors } = await checked();
  assert.is(errors.trainAfterDispose, 'TrainerStateError: this trainer was disposed; create a new one');
  assert.is(errors.exportAfterDispose, 'TrainerStateError: this trainer was disposed; create a new one');
  assert.match(errors.datasetDisposed, /^TrainerStateError: this dataset is not resident on this engine: it was disposed, or uploaded with another Gpu/);
  assert.match(errors.otherEngine, /^TrainerStateError: this dataset is not resident on this engine/);
  assert.match(errors.importOtherVariant, /^SafetensorsError: weights\.safetensors: unexpected tensors bn1\.weight/);
});

test('misuse while train() runs is a TrainerStateError with the same message', async () => {
  const { errors } = await checked();
  assert.is(errors.trainWhileRunning, 'TrainerStateError: train() is already running on this trainer');
  assert.match(errors.saveWhileRunning, /^TrainerStateError: saveCheckpoint\(\) while train\(\) is running/);
});

test('weights imported into a fresh trainer give the same weights, evaluation and predictions', async () => {
  const { imported } = await checked();
  assert.ok(imported.sameWeights, 'exported weights after import');
  assert.ok(imported.sameEvaluation, 'test loss and accuracy');
  assert.ok(imported.samePredictions, 'predicted classes');
});

test('a refused weights file or checkpoint names the file and tensor and leaves the trainer as it was', async () => {
  const { refused } = (await checked()).imported;
  assert.is(refused.nanWeight.error, 'SafetensorsError: nan.safetensors: conv2.weight holds NaN at element 7; every value must be finite');
  assert.is(refused.infMoment.error, 'SafetensorsError: inf.safetensors: moment1 holds Infinity at element 3; every value must be finite');
  assert.match(refused.shortMoment2.error, /^SafetensorsError: short\.safetensors: moment2 is missing or has the wrong size/);
  for (const [name, r] of Object.entries(refused)) {
    assert.ok(r.weightsUnchanged, `${name}: weights unchanged`);
    assert.ok(r.checkpointUnchanged, `${name}: optimizer state, metrics and position unchanged`);
  }
});

test('the app\'s own device, lost mid-run, fails the run with DeviceLostError', async () => {
  const { errors, lostListener, buffersAfterLoss } = await checked();
  assert.is(lostListener, 'destroyed');
  assert.match(errors.deviceLost, /^DeviceLostError: the GPU device was lost \(destroyed\)/);
  assert.match(errors.afterLoss, /^DeviceLostError: the GPU device was lost \(destroyed\)/);
  assert.is(buffersAfterLoss, 0);
});

test.run();
