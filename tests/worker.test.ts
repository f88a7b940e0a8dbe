import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bundleToString } from '../build.mjs';
import type { EpochMetrics, Progress } from '../src/index.ts';
import { callInPage } from './support/page.ts';
import { syntheticDataset } from './support/synthetic.ts';
import type { WorkerReport, WorkerRequest } from './embed/worker-page.ts';

const test = suite('worker mode');

// 100 training images in batches of 16: 7 steps an epoch (the last one partial), so 14 steps
// are two epochs, each ended by an evaluation, in both runs.
const request: WorkerRequest = {
  base64: syntheticDataset(120, 40, 21).base64,
  options: { seed: 8, batchSize: 16, validationSize: 20, evalBatchSize: 16, stepsPerSubmit: 2 },
  steps: 14,
};

/** Both runs, once for all tests (a failure surfaces in each test that reads it). */
let pending: Promise<WorkerReport> | null = null;
async function compared(): Promise<WorkerReport> {
  pending ??= bundleToString('src/worker/worker.ts').then((worker) =>
    callInPage<WorkerReport>('tests/embed/worker-page.ts', { '/worker.js': ['text/javascript', worker] }, 'workerCheck', 'compare', request));
  return pending;
}

// Wall-clock rates differ between runs; everything else must not.
const steady = ({ samplesPerSecond: _, ...rest }: Progress) => rest;
const steadyEpoch = ({ samplesPerSecond: _, trainSeconds: __, ...rest }: EpochMetrics) => rest;

test('a run in a Web Worker ends with the main thread\'s weights, bit for bit (stopped and resumed on the way)', async () => {
  const { main, worker } = await compared();
  assert.is(worker.adapter, 'swiftshader');
  assert.ok(worker.firstTrainStopped, 'stop() did not stop the first train()');
  assert.ok(worker.firstTrainSteps > 0 && worker.firstTrainSteps < request.steps, `stopped after ${worker.firstTrainSteps} steps`);
  assert.ok(worker.weightsBase64 === main.weightsBase64, 'the exported weights differ');
  assert.equal(worker.evaluation, main.evaluation);
  assert.equal(worker.predictions, main.predictions);
  assert.equal(worker.directPredictions, main.directPredictions);
  assert.equal(main.directPredictions, main.predictions.slice(0, 5));
});

test('the worker posts the same progress, epoch and evaluation events as the main thread', async () => {
  const { main, worker } = await compared();
  assert.ok(main.progress.length >= 5, `${main.progress.length} progress events`);
  assert.equal(worker.progress.map(steady), main.progress.map(steady));
  assert.is(main.epochs.length, 2);
  assert.equal(worker.epochs.map(steadyEpoch), main.epochs.map(steadyEpoch));
  // Two epochs' validation (20 images) and test (40) evaluations, then evaluate('test'); batches of 16.
  assert.is(main.evaluationProgress.length, 2 * (2 + 3) + 3);
  assert.equal(main.evaluationProgress.slice(0, 5).map((p) => `${p.split} ${p.images}/${p.total}`), ['validation 16/20', 'validation 20/20', 'test 16/40', 'test 32/40', 'test 40/40']);
  assert.equal(worker.evaluationProgress, main.evaluationProgress);
  // The page hears a run's events before train() resolves (the demo's study relies on it).
  assert.equal(worker.eventsAtReturn, { epochs: 2, evaluations: 2 * (2 + 3) });
});

test('a second trainer in the same worker shares its device and data: same weights, its own events; compile() ran first', async () => {
  const { main, worker } = await compared();
  // Every kernel of both trainers, compiled before the first step, changes no bit of the result.
  assert.ok(worker.compiledPipelines >= 20, `${worker.compiledPipelines} pipelines compiled`);
  assert.is(worker.second.trainer, 1);
  assert.ok(worker.second.weightsBase64 === main.weightsBase64, 'the second trainer\'s weights differ');
  // Its events went to its own listeners only (the first trainer's events equal the main thread's, above).
  assert.is(worker.second.progress, main.progress.length);
});

test('errors cross from the worker with their names; a disposed or dead worker refuses work', async () => {
  const { errors } = await compared();
  assert.match(errors.badDataset, /^DatasetError: train set: 94079 pixels for 120 images of 28×28 \(expected 94080\)$/);
  assert.match(errors.badOptions, /^RangeError: batch size must be an integer in \[1, 4096\], got 0$/);
  // A script that is not there: the error names the URL tried and the two fixes.
  assert.match(errors.missingScript, /^Error: the training worker failed \(its script \/missing\.js\): .+; copy lenet-webgpu's worker\.js .* or pass `worker: url`/);
  assert.is(errors.afterDispose, 'Error: this training worker was disposed; create a new one');
});

test.run();
