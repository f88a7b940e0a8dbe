/**
 * Page side of tests/lifecycle.test.ts: what an embedding app can do wrong, and whether dispose()
 * gives back every buffer the engine made.
 */
import type { IdxFileKey } from '../../src/data/dataset.ts';
import {
  Gpu, Trainer, datasetFromBytes, disposeDataset, uploadDataset, variant, type Dataset, type TrainerOptionsInput,
} from '../../src/index.ts';

export interface LifecycleReport {
  /** gpu.allocatedBuffers at each stage. */
  buffers: Record<'fresh' | 'dataset' | 'trainers' | 'afterWork' | 'trainersDisposed' | 'end', number>;
  /** Two trainers trained concurrently on one dataset end with the weights each has alone. */
  concurrentMatchesAlone: boolean[];
  /** "Name: message" of each misuse. */
  errors: Record<string, string>;
  lostListener: string;
  buffersAfterLoss: number;
}

const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const failure = async (action: () => unknown) => {
  try {
    await action();
    return 'no error';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
};
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

const options: TrainerOptionsInput = { seed: 4, batchSize: 10, validationSize: 10, evalBatchSize: 10, stepsPerSubmit: 2 };
const configs = [{ ...options, variant: variant('batchnorm') }, { ...options, seed: 5, variant: variant('dropout') }];

async function trainAlone(gpu: Gpu, dataset: Dataset, config: TrainerOptionsInput): Promise<Uint8Array> {
  const data = uploadDataset(gpu, dataset);
  const trainer = new Trainer(gpu, data, config);
  await trainer.train({ steps: 6 });
  const weights = await trainer.exportWeights();
  trainer.dispose();
  disposeDataset(gpu, data);
  return weights;
}

async function check(base64: Record<IdxFileKey, string>): Promise<LifecycleReport> {
  const files = Object.fromEntries(Object.entries(base64).map(([k, v]) => [k, { name: `${k}.gz`, bytes: decode(v) }]));
  const dataset = await datasetFromBytes('synthetic', files as Parameters<typeof datasetFromBytes>[1]);
  const gpu = await Gpu.create();
  const buffers = { fresh: gpu.allocatedBuffers } as LifecycleReport['buffers'];
  const errors: Record<string, string> = {};

  // A bad dataset is refused before anything is allocated.
  const { train } = dataset;
  errors.shortImages = await failure(() => uploadDataset(gpu, { ...dataset, test: { ...dataset.test, images: dataset.test.images.subarray(0, 100) } }));
  errors.badLabel = await failure(() => uploadDataset(gpu, { ...dataset, train: { ...train, labels: train.labels.map((l, i) => (i === 3 ? 10 : l)) } }));
  errors.badSize = await failure(() => uploadDataset(gpu, { ...dataset, train: { ...train, rows: 32, cols: 32 } }));
  errors.noLabels = await failure(() => uploadDataset(gpu, { ...dataset, train: { ...train, labels: train.labels.subarray(1) } }));

  const data = uploadDataset(gpu, dataset);
  buffers.dataset = gpu.allocatedBuffers;
  const trainers = configs.map((c) => new Trainer(gpu, data, c));
  buffers.trainers = gpu.allocatedBuffers;
  await Promise.all(trainers.map((t) => t.train({ steps: 6 })));
  const concurrent = await Promise.all(trainers.map((t) => t.exportWeights()));
  // Everything else that allocates on the way, so dispose() has to find it all.
  await trainers[0]!.evaluate('test');
  await trainers[0]!.predictTest(7);
  trainers[1]!.loadCheckpoint(await trainers[1]!.saveCheckpoint());
  buffers.afterWork = gpu.allocatedBuffers;
  errors.importOtherVariant = await failure(async () => trainers[1]!.importWeights(concurrent[0]!));
  for (const t of trainers) t.dispose();
  buffers.trainersDisposed = gpu.allocatedBuffers;
  errors.trainAfterDispose = await failure(() => trainers[0]!.train({ steps: 1 }));
  errors.exportAfterDispose = await failure(() => trainers[0]!.exportWeights());

  const orphan = new Trainer(gpu, data, configs[0]!);
  disposeDataset(gpu, data);
  errors.datasetDisposed = await failure(() => orphan.train({ steps: 1 }));
  orphan.dispose();
  buffers.end = gpu.allocatedBuffers;

  const concurrentMatchesAlone = [];
  for (const [i, c] of configs.entries()) concurrentMatchesAlone.push(same(concurrent[i]!, await trainAlone(gpu, dataset, c)));

  // A dataset uploaded with another engine (another device) cannot be used.
  const other = await Gpu.create();
  const foreign = uploadDataset(other, dataset);
  errors.otherEngine = await failure(() => new Trainer(gpu, foreign, configs[0]!));
  other.dispose();
  other.device.destroy();

  // The app's own device, from an adapter it requested itself, lost in the middle of a run.
  const adapter = await navigator.gpu.requestAdapter();
  const device = await adapter!.requestDevice();
  const own = new Gpu(device);
  let lostListener = 'not called';
  own.onLost((info) => { lostListener = info.reason; });
  const ownData = uploadDataset(own, dataset);
  const doomed = new Trainer(own, ownData, { ...configs[0]!, stepsPerSubmit: 1 });
  doomed.on('progress', () => device.destroy());
  errors.deviceLost = await failure(() => doomed.train({ steps: 20 }));
  errors.afterLoss = await failure(() => doomed.evaluate('test'));
  doomed.dispose();
  disposeDataset(own, ownData);
  const buffersAfterLoss = own.allocatedBuffers;

  gpu.dispose();
  gpu.device.destroy();
  return { buffers, concurrentMatchesAlone, errors, lostListener, buffersAfterLoss };
}

(globalThis as unknown as { lifecycle: unknown }).lifecycle = { check };
