/**
 * Browser side of the training tests: load a dataset (from the test server or from bytes the test
 * made), train a variant with the real Trainer, and report metrics, events and (optionally)
 * parameters after every step.
 */
import { datasetFromBytes, datasetFromUrl, type Dataset } from '../../src/data/dataset.ts';
import type { IdxFileKey } from '../../src/data/dataset.ts';
import { Gpu } from '../../src/gpu/gpu.ts';
import { variant, type VariantName } from '../../src/model/variants.ts';
import type { TrainerOptionsInput } from '../../src/train/options.ts';
import { uploadDataset, type ResidentDataset } from '../../src/data/resident.ts';
import { Trainer } from '../../src/train/trainer.ts';
import type { EpochMetrics, Evaluation, EvaluationProgress, Progress } from '../../src/train/types.ts';

export interface TrainRequest {
  /** A URL prefix served by the test server, or base64 IDX files. */
  dataset: { url: string } | { base64: Record<IdxFileKey, string> };
  variant: VariantName;
  variantOverrides?: { dropout?: number; batchNorm?: boolean; weightDecay?: number; decoupledWeightDecay?: boolean };
  options: Omit<TrainerOptionsInput, 'variant'>;
  budget: { steps?: number; epochs?: number };
  /** Read all parameters before the first and after every step (runs one step per train() call). */
  snapshots?: boolean;
  /** Save a checkpoint after this many steps, load it into a fresh trainer, and finish the budget there. */
  checkpointAfter?: number;
  evaluate?: ('validation' | 'test')[];
  exportWeights?: boolean;
  /** Predict the first N test images both ways: predictTest(N), and predict() on their pixels. */
  predictCount?: number;
}

export interface TrainReport {
  parameterCount: number;
  stepsPerEpoch: number;
  trainSize: number;
  epochs: EpochMetrics[];
  progress: Progress[];
  evaluationProgress: EvaluationProgress[];
  evaluations: Record<string, Evaluation>;
  snapshots: Record<string, number[]>[];
  /** Gradients of each step (with snapshots). */
  gradients: Record<string, number[]>[];
  weightsBase64?: string;
  predictions?: { test: number[]; direct: number[] };
  error?: { name: string; message: string };
  seconds: number;
}

let gpu: Promise<Gpu> | null = null;
const resident = new Map<string, Promise<ResidentDataset>>();

const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const encode = (bytes: Uint8Array) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

async function loadDataset(spec: TrainRequest['dataset']): Promise<Dataset> {
  if ('url' in spec) return datasetFromUrl('fashion-mnist', spec.url);
  const files = Object.fromEntries(Object.entries(spec.base64).map(([k, v]) => [k, { name: `${k}.gz`, bytes: decode(v) }]));
  return datasetFromBytes('synthetic', files as Parameters<typeof datasetFromBytes>[1]);
}

async function train(request: TrainRequest): Promise<TrainReport> {
  const started = performance.now();
  const report: TrainReport = { parameterCount: 0, stepsPerEpoch: 0, trainSize: 0, epochs: [], progress: [], evaluationProgress: [], evaluations: {}, snapshots: [], gradients: [], seconds: 0 };
  gpu ??= Gpu.create();
  const engine = await gpu;
  let trainer: Trainer | null = null;
  try {
    const key = JSON.stringify('url' in request.dataset ? request.dataset.url : request.dataset.base64);
    if (!resident.has(key)) resident.set(key, loadDataset(request.dataset).then((d) => uploadDataset(engine, d)));
    const data = await resident.get(key)!;
    trainer = new Trainer(engine, data, { ...request.options, variant: variant(request.variant, request.variantOverrides) });
    report.parameterCount = trainer.parameterCount;
    report.stepsPerEpoch = trainer.stepsPerEpoch;
    report.trainSize = trainer.trainSize;
    trainer.on('progress', (p) => report.progress.push(p));
    trainer.on('evaluation', (p) => report.evaluationProgress.push(p));
    const snapshot = async () => {
      const m = trainer!.model;
      const values = [
        ...await m.readParameters(),
        ...await m.readStatistics(),
        ...[...m.moment1.unpack(await engine.read(m.moment1.flat) as Float32Array)].map(([k, v]) => [`moment1:${k}`, v] as const),
        ...[...m.moment2.unpack(await engine.read(m.moment2.flat) as Float32Array)].map(([k, v]) => [`moment2:${k}`, v] as const),
      ];
      report.snapshots.push(Object.fromEntries(values.map(([k, v]) => [k, Array.from(v)])));
    };
    if (request.snapshots) {
      await snapshot();
      for (let i = 0; i < (request.budget.steps ?? 0); i++) {
        report.epochs.push(...(await trainer.train({ steps: 1 })).epochs);
        await snapshot();
        const grads = await trainer.model.readGradients();
        report.gradients.push(Object.fromEntries([...grads].map(([k, v]) => [k, Array.from(v)])));
      }
    } else if (request.checkpointAfter !== undefined) {
      await trainer.train({ steps: request.checkpointAfter });
      const bytes = await trainer.saveCheckpoint();
      trainer.dispose();
      trainer = new Trainer(engine, data, { ...request.options, variant: variant(request.variant, request.variantOverrides) });
      trainer.loadCheckpoint(bytes);
      await trainer.train({ epochs: request.budget.epochs, steps: request.budget.steps === undefined ? undefined : request.budget.steps - request.checkpointAfter });
      report.epochs = [...trainer.epochs];
    } else {
      report.epochs = (await trainer.train(request.budget)).epochs;
    }
    for (const split of request.evaluate ?? []) report.evaluations[split] = await trainer.evaluate(split);
    if (request.exportWeights) report.weightsBase64 = encode(await trainer.exportWeights());
    if (request.predictCount) {
      const n = request.predictCount;
      report.predictions = {
        test: Array.from(await trainer.predictTest(n)),
        direct: Array.from(await trainer.predict(data.dataset.test.images.subarray(0, n * 784))),
      };
    }
  } catch (error) {
    report.error = { name: (error as Error).name, message: (error as Error).message };
  } finally {
    trainer?.dispose();
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

(globalThis as unknown as { training: unknown }).training = { train };
