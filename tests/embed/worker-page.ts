/**
 * Page side of tests/worker.test.ts: one training run on the main thread and the same run in a
 * TrainingWorker (stopped after its first progress event and resumed), plus the worker's errors.
 * The worker script is served at /worker.js.
 */
import type { IdxFileKey } from '../../src/data/dataset.ts';
import {
  Gpu, Trainer, TrainingWorker, datasetFromBytes, disposeDataset, uploadDataset, variant,
  type Dataset, type EpochMetrics, type Evaluation, type EvaluationProgress, type Progress, type TrainerOptionsInput,
} from '../../src/index.ts';

export interface WorkerRequest {
  base64: Record<IdxFileKey, string>;
  options: TrainerOptionsInput;
  steps: number;
}

export interface RunReport {
  progress: Progress[];
  epochs: EpochMetrics[];
  evaluationProgress: EvaluationProgress[];
  evaluation: Evaluation;
  predictions: number[];
  directPredictions: number[];
  weightsBase64: string;
}

export interface WorkerReport {
  main: RunReport;
  worker: RunReport & {
    firstTrainSteps: number; firstTrainStopped: boolean; adapter: string;
    /** Events heard when train() had resolved: all of them, if events arrive before the reply. */
    eventsAtReturn: { epochs: number; evaluations: number };
    /** Pipelines compile() created before the first step. */
    compiledPipelines: number;
    /** A second trainer added to the same worker, trained after the first, then disposed. */
    second: { trainer: number; progress: number; weightsBase64: string };
  };
  /** "Name: message" of each failure provoked on purpose. */
  errors: Record<'badDataset' | 'badOptions' | 'missingScript' | 'afterDispose', string>;
}

const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const encode = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
const failure = (promise: Promise<unknown>) => promise.then(() => 'no error', (e: Error) => `${e.name}: ${e.message}`);

async function onMainThread(dataset: Dataset, options: TrainerOptionsInput, steps: number): Promise<RunReport> {
  const gpu = await Gpu.create();
  const data = uploadDataset(gpu, dataset);
  const trainer = new Trainer(gpu, data, options);
  const progress: Progress[] = [];
  const epochs: EpochMetrics[] = [];
  trainer.on('progress', (p) => progress.push(p));
  trainer.on('epoch', (m) => epochs.push(m));
  const evaluationProgress: EvaluationProgress[] = [];
  trainer.on('evaluation', (p) => evaluationProgress.push(p));
  await trainer.train({ steps });
  const report = {
    progress, epochs, evaluationProgress, evaluation: await trainer.evaluate('test'), predictions: [...await trainer.predictTest()],
    directPredictions: [...await trainer.predict(dataset.test.images.slice(0, 5 * 784))],
    weightsBase64: encode(await trainer.exportWeights()),
  };
  trainer.dispose();
  disposeDataset(gpu, data);
  gpu.dispose();
  gpu.device.destroy();
  return report;
}

async function inWorker(dataset: Dataset, options: TrainerOptionsInput, steps: number): Promise<WorkerReport['worker'] & { afterDispose: string }> {
  const trainer = await TrainingWorker.create({ worker: '/worker.js', dataset, options });
  const second = await trainer.addTrainer(options);
  let secondProgress = 0;
  second.on('progress', () => secondProgress++);
  const compiledPipelines = await trainer.compile();
  const progress: Progress[] = [];
  const epochs: EpochMetrics[] = [];
  trainer.on('progress', (p) => {
    if (progress.length === 0) trainer.stop();
    progress.push(p);
  });
  trainer.on('epoch', (m) => epochs.push(m));
  const evaluationProgress: EvaluationProgress[] = [];
  trainer.on('evaluation', (p) => evaluationProgress.push(p));
  const first = await trainer.train({ steps });
  await trainer.train({ steps: steps - first.steps });
  const eventsAtReturn = { epochs: epochs.length, evaluations: evaluationProgress.length };
  await second.train({ steps });
  const secondReport = { trainer: second.trainer, progress: secondProgress, weightsBase64: encode(await second.exportWeights()) };
  // Only this trainer goes: the worker, its device and the first trainer stay.
  await second.dispose();
  const report = {
    progress, epochs, evaluationProgress, evaluation: await trainer.evaluate('test'), predictions: [...await trainer.predictTest()],
    directPredictions: [...await trainer.predict(dataset.test.images.slice(0, 5 * 784))],
    weightsBase64: encode(await trainer.exportWeights()),
    eventsAtReturn, firstTrainSteps: first.steps, firstTrainStopped: first.stopped, adapter: trainer.adapter.architecture,
    compiledPipelines, second: secondReport,
  };
  await trainer.dispose();
  return { ...report, afterDispose: await failure(trainer.train({ steps: 1 })) };
}

async function compare(request: WorkerRequest): Promise<WorkerReport> {
  const files = Object.fromEntries(Object.entries(request.base64).map(([k, v]) => [k, { name: `${k}.gz`, bytes: decode(v) }]));
  const dataset = await datasetFromBytes('synthetic', files as Parameters<typeof datasetFromBytes>[1]);
  const options = { ...request.options, variant: variant('batchnorm', { dropout: 0.3 }) };
  const main = await onMainThread(dataset, options, request.steps);
  const { afterDispose, ...worker } = await inWorker(dataset, options, request.steps);
  const short = { ...dataset, train: { ...dataset.train, images: dataset.train.images.subarray(1) } };
  return {
    main,
    worker,
    errors: {
      badDataset: await failure(TrainingWorker.create({ worker: '/worker.js', dataset: short, options })),
      badOptions: await failure(TrainingWorker.create({ worker: '/worker.js', dataset, options: { ...options, batchSize: 0 } })),
      missingScript: await failure(TrainingWorker.create({ worker: '/missing.js', dataset, options })),
      afterDispose,
    },
  };
}

(globalThis as unknown as { workerCheck: unknown }).workerCheck = { compare };
