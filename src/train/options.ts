/** Trainer options with the study's defaults, and their validation (errors name field, value, range). */
import { validateVariant, variant as preset, type Variant } from '../model/variants.ts';

export type OptimizerKind = 'adam' | 'adamw' | 'sgd';
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['adam', 'adamw', 'sgd'];

export interface OptimizerConfig {
  kind: OptimizerKind;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** SGD only. */
  momentum: number;
  nesterov: boolean;
}

export const DEFAULT_OPTIMIZER: OptimizerConfig = { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, momentum: 0.9, nesterov: false };

export interface TrainerOptions {
  variant: Variant;
  optimizer: OptimizerConfig;
  /** Training batch size (the study: 64). */
  batchSize: number;
  /** Batch size for validation/test evaluation (eval mode does not change results with it). */
  evalBatchSize: number;
  /** Training images held out for validation (the study: 12,000 of 60,000). */
  validationSize: number;
  /** Use only the first N training images (before the split) — for quick demos and tests; 0 = all. */
  trainLimit: number;
  /** Use only the first N test images; 0 = all. */
  testLimit: number;
  /** Seeds the split, the initial weights, the epoch shuffles and dropout. */
  seed: number;
  /** Training steps recorded into one command buffer. */
  stepsPerSubmit: number;
  /** Drop the epoch's last partial batch instead of training on it. */
  dropLast: boolean;
  /** Evaluate like the original study (dropout on, batch statistics, shuffled batches of batchSize). */
  quirks: boolean;
  /** Inputs are pixel·scale + shift; the default maps 0–255 to [-1, 1] (ToTensor, Normalize(0.5, 0.5)). */
  normalization: { scale: number; shift: number };
}

export const DEFAULT_OPTIONS: Omit<TrainerOptions, 'variant'> = {
  optimizer: DEFAULT_OPTIMIZER,
  batchSize: 64,
  evalBatchSize: 500,
  validationSize: 12_000,
  trainLimit: 0,
  testLimit: 0,
  seed: 0,
  stepsPerSubmit: 8,
  dropLast: false,
  quirks: false,
  normalization: { scale: 2 / 255, shift: -1 },
};

export type TrainerOptionsInput = Partial<Omit<TrainerOptions, 'optimizer'>> & { optimizer?: Partial<OptimizerConfig> };

function integerIn(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${field} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

function numberIn(field: string, value: number, min: number, max: number, openMin = false, openMax = false): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && (openMin ? value > min : value >= min) && (openMax ? value < max : value <= max);
  if (!ok) throw new RangeError(`${field} must be a number in ${openMin ? '(' : '['}${min}, ${max}${openMax ? ')' : ']'}, got ${value}`);
}

/** Fill defaults and validate everything up front, so nothing starts half-configured. */
export function resolveOptions(input: TrainerOptionsInput): TrainerOptions {
  const options: TrainerOptions = {
    ...DEFAULT_OPTIONS,
    ...input,
    variant: validateVariant(input.variant ?? preset('baseline')),
    optimizer: { ...DEFAULT_OPTIMIZER, ...input.optimizer },
  };
  const o = options.optimizer;
  if (!OPTIMIZER_KINDS.includes(o.kind)) throw new RangeError(`optimizer must be one of ${OPTIMIZER_KINDS.join(', ')}, got ${o.kind}`);
  numberIn('learning rate', o.lr, 0, 10, true);
  numberIn('beta1', o.beta1, 0, 1, false, true);
  numberIn('beta2', o.beta2, 0, 1, false, true);
  numberIn('eps', o.eps, 0, 1, true);
  numberIn('momentum', o.momentum, 0, 1, false, true);
  integerIn('batch size', options.batchSize, 1, 4096);
  integerIn('eval batch size', options.evalBatchSize, 1, 4096);
  integerIn('validation size', options.validationSize, 0, 1e7);
  integerIn('train limit', options.trainLimit, 0, 1e7);
  integerIn('test limit', options.testLimit, 0, 1e7);
  integerIn('seed', options.seed, 0, 0xffffffff);
  integerIn('steps per submit', options.stepsPerSubmit, 1, 1024);
  return options;
}
