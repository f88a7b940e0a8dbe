/**
 * metrics.json of `npm run train`: the run's record and its resume state at once (like the
 * study's results.json). It is rewritten after every epoch and when the run stops, so --resume
 * knows the options the run was started with and refuses a contradicting one by name.
 */
import type { DatasetName } from '../src/data/dataset.ts';
import type { VariantName } from '../src/model/variants.ts';
import type { EpochMetrics } from '../src/train/types.ts';
import { optionConflicts } from './args.ts';
import { readRecordFile } from './record-file.ts';
import type { FinalEvaluation } from './page/runs.ts';
import type { AdapterReport } from './session.ts';
import type { TrainingProtocol } from './study-config.ts';

export const TRAIN_FORMAT = 'lenet-webgpu-train/1';

/** Every option that changes the numbers (--resume must agree with each one given). */
export interface TrainConfig extends TrainingProtocol {
  variant: VariantName;
  steps: number | null;
  epochs: number | null;
  seed: number;
  dropout: number | null;
  weightDecay: number | null;
  decoupled: boolean;
  batchNorm: boolean;
  stepsPerSubmit: number;
  quirks: boolean;
}

export const TRAIN_CONFIG_KEYS = [
  'variant', 'steps', 'epochs', 'seed', 'dataset', 'batchSize', 'evalBatchSize', 'validationSize', 'trainLimit', 'testLimit',
  'optimizer', 'lr', 'momentum', 'dropout', 'weightDecay', 'decoupled', 'batchNorm', 'stepsPerSubmit', 'quirks',
] as const satisfies readonly (keyof TrainConfig)[];

export interface TrainRecord {
  format: typeof TRAIN_FORMAT;
  status: 'running' | 'interrupted' | 'complete' | 'diverged';
  config: TrainConfig;
  /** Where the dataset was read from. */
  dataDir: string;
  variant: string;
  seed: number;
  dataset: DatasetName;
  /** Steps trained so far, and epochs finished. */
  steps: number;
  epochs: number;
  parameterCount: number | null;
  sizes: { train: number; validation: number; test: number } | null;
  /** Running means over the last (possibly unfinished) epoch's training batches. */
  trainLoss: number | null;
  trainAccuracy: number | null;
  /** The final model's accuracies (null until complete). */
  testAccuracy: number | null;
  validationAccuracy: number | null;
  /** Of the last epoch trained in this invocation. */
  samplesPerSecond: number | null;
  adapter: AdapterReport['adapter'] | null;
  browser: string | null;
  /** Wall time of all invocations together. */
  wallSeconds: number;
  /** Why the run stopped, when it diverged. */
  error: string | null;
  /** The command lines that made this run (one more per --resume). */
  commands: string[];
  perEpoch: EpochMetrics[];
  final: FinalEvaluation | null;
}

export function newTrainRecord(config: TrainConfig): TrainRecord {
  return {
    format: TRAIN_FORMAT, status: 'running', config, dataDir: '', variant: config.variant, seed: config.seed, dataset: config.dataset,
    steps: 0, epochs: 0, parameterCount: null, sizes: null, trainLoss: null, trainAccuracy: null, testAccuracy: null, validationAccuracy: null,
    samplesPerSecond: null, adapter: null, browser: null, wallSeconds: 0, error: null, commands: [], perEpoch: [], final: null,
  };
}

/** The stored run in `file`, or a CliError (exit 2) naming the file and what is wrong with it. */
export function readTrainRecord(file: string): TrainRecord {
  return readRecordFile<TrainRecord>(file, { format: TRAIN_FORMAT, of: 'run', fields: { config: 'object', perEpoch: 'array', commands: 'array' } });
}

/** The options of this command line that contradict the stored run. */
export function trainConflicts(stored: TrainConfig, given: Partial<TrainConfig>): string[] {
  return optionConflicts(stored, given, TRAIN_CONFIG_KEYS, 'metrics.json');
}
