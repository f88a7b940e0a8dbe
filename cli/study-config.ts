/**
 * The study's configuration: what the options mean for each variant's trainer, and the check that
 * a --resume continues the same study it started.
 */
import type { DatasetName } from '../src/data/dataset.ts';
import { variant, type Variant, type VariantName } from '../src/model/variants.ts';
import { optionConflicts } from './args.ts';
import { resolveOptions, type OptimizerKind, type TrainerOptionsInput } from '../src/train/options.ts';

/** The data and optimizer options `train` and `study` share (the same flags, the same meaning). */
export interface TrainingProtocol {
  dataset: DatasetName;
  batchSize: number;
  evalBatchSize: number;
  validationSize: number;
  trainLimit: number;
  testLimit: number;
  optimizer: OptimizerKind;
  lr: number;
  momentum: number;
}

/** Everything that changes the numbers; results.json stores it and --resume must match it. */
export interface StudyConfig extends TrainingProtocol {
  variants: VariantName[];
  seeds: number[];
  epochs: number;
  /** p of the dropout variant. */
  dropout: number;
  /** λ of the weight-decay variant. */
  weightDecay: number;
  /** The weight-decay variant decays AdamW-style instead of the study's coupled L2. */
  decoupled: boolean;
  /** Evaluate like the original (dropout on, batch statistics). */
  quirks: boolean;
}

export const CONFIG_KEYS = [
  'dataset', 'variants', 'seeds', 'epochs', 'batchSize', 'evalBatchSize', 'validationSize', 'trainLimit', 'testLimit',
  'optimizer', 'lr', 'momentum', 'dropout', 'weightDecay', 'decoupled', 'quirks',
] as const satisfies readonly (keyof StudyConfig)[];

/** The regularizer each variant adds takes its strength from the study's options. */
export function variantOverrides(config: StudyConfig, name: VariantName): Partial<Omit<Variant, 'name'>> {
  if (name === 'dropout') return { dropout: config.dropout };
  if (name === 'weight-decay') return { weightDecay: config.weightDecay, decoupledWeightDecay: config.decoupled };
  return {};
}

export function trainerOptions(config: StudyConfig, seed: number): Omit<TrainerOptionsInput, 'variant'> {
  return {
    seed,
    batchSize: config.batchSize,
    evalBatchSize: config.evalBatchSize,
    validationSize: config.validationSize,
    trainLimit: config.trainLimit,
    testLimit: config.testLimit,
    quirks: config.quirks,
    optimizer: { kind: config.optimizer, lr: config.lr, momentum: config.momentum },
  };
}

/** Validate every run's trainer options before anything starts; throws the engine's named error. */
export function validateConfig(config: StudyConfig): void {
  for (const name of config.variants) {
    for (const seed of config.seeds) resolveOptions({ ...trainerOptions(config, seed), variant: variant(name, variantOverrides(config, name)) });
  }
}

/** The options given on this command line that contradict the stored study, as "--option X (results.json has Y)". */
export function conflicts(stored: StudyConfig, given: Partial<StudyConfig>): string[] {
  return optionConflicts(stored, given, CONFIG_KEYS, 'results.json');
}
