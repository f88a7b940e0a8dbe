/**
 * Page side of tests/lifecycle.test.ts: what an embedding app can do wrong, and whether dispose()
 * gives back every buffer the engine made.
 */
import type { IdxFileKey } from '../../src/data/dataset.ts';
import {
  Gpu, Trainer, datasetFromBytes, decodeSafetensors, disposeDataset, encodeSafetensors, uploadDataset, variant,
  type Dataset, type ResidentDataset, type TrainerOptionsInput,
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
  imported: ImportReport;
}

/** Weights moved to a fresh trainer, and files refused without touching the trainer they were loaded into. */
export interface ImportReport {
  /** The fresh trainer's exported weights, test evaluation and predictions equal the source's. */
  sameWeights: boolean;
  sameEvaluation: boolean;
  samePredictions: boolean;
  /** "Name: message" of each refused file, and whether weights and checkpoint bytes are unchanged after it. */
  refused: Record<'nanWeight' | 'infMoment' | 'shortMoment2', { error: string; weightsUnchanged: boolean; checkpointUnchanged: boolean }>;
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

  const imported = await checkImports(gpu, uploadDataset(gpu, dataset), errors);

  gpu.dispose();
  gpu.device.destroy();
  return { buffers, concurrentMatchesAlone, errors, lostListener, buffersAfterLoss, imported };
}

/** Re-encode a safetensors file with one tensor changed (metadata kept; a flat shape if its length changed). */
function altered(bytes: Uint8Array, name: string, change: (data: Float32Array) => Float32Array): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const tensor = tensors.get(name)!;
  const data = change(Float32Array.from(tensor.data));
  const shape = data.length === tensor.data.length ? tensor.shape : [data.length];
  return encodeSafetensors([...tensors.values()].map((t) => (t.name === name ? { ...t, shape, data } : t)), metadata);
}

async function checkImports(gpu: Gpu, data: ResidentDataset, errors: Record<string, string>): Promise<ImportReport> {
  const config = configs[0]!;
  const source = new Trainer(gpu, data, config);
  // The running-state misuses, while this trainer trains.
  const running = source.train({ steps: 4 });
  errors.trainWhileRunning = await failure(() => source.train({ steps: 1 }));
  errors.saveWhileRunning = await failure(() => source.saveCheckpoint());
  await running;
  const weights = await source.exportWeights();
  const checkpoint = await source.saveCheckpoint();

  // Another seed: its own initial weights, replaced by the import.
  const fresh = new Trainer(gpu, data, { ...config, seed: 9 });
  fresh.importWeights(weights);
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);
  const [evalA, evalB] = [await source.evaluate('test'), await fresh.evaluate('test')];
  const report: Omit<ImportReport, 'refused'> = {
    sameWeights: same(await fresh.exportWeights(), weights),
    sameEvaluation: evalA.loss === evalB.loss && evalA.accuracy === evalB.accuracy,
    samePredictions: same(await source.predictTest(15), await fresh.predictTest(15)),
  };

  // Files refused by a trainer at another state (same options, untrained): nothing of them may land.
  const target = new Trainer(gpu, data, config);
  const refused = {} as ImportReport['refused'];
  const attempts = {
    nanWeight: () => target.importWeights(altered(weights, 'conv2.weight', (d) => d.map((v, i) => (i === 7 ? NaN : v))), 'nan.safetensors'),
    infMoment: () => target.loadCheckpoint(altered(checkpoint, 'moment1', (d) => d.map((v, i) => (i === 3 ? Infinity : v))), 'inf.safetensors'),
    shortMoment2: () => target.loadCheckpoint(altered(checkpoint, 'moment2', (d) => d.subarray(1)), 'short.safetensors'),
  };
  for (const [name, attempt] of Object.entries(attempts) as [keyof ImportReport['refused'], () => void][]) {
    const [weightsBefore, checkpointBefore] = [await target.exportWeights(), await target.saveCheckpoint()];
    const error = await failure(attempt);
    refused[name] = {
      error,
      weightsUnchanged: same(await target.exportWeights(), weightsBefore),
      checkpointUnchanged: same(await target.saveCheckpoint(), checkpointBefore),
    };
  }
  for (const t of [source, fresh, target]) t.dispose();
  disposeDataset(gpu, data);
  return { ...report, refused };
}

(globalThis as unknown as { lifecycle: unknown }).lifecycle = { check };
