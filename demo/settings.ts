/**
 * The study's settings: each field with its default (the original study, DESIGN.md §1), its
 * allowed range and the message that refuses a value outside it. Parsing is free of the DOM, so
 * the rules are tested in Node and the form only displays them.
 */
import { STUDY_DEFAULTS, VARIANT_NAMES, variant, type VariantName } from '../src/model/variants.ts';
import { DEFAULT_OPTIMIZER, type OptimizerKind, type TrainerOptionsInput } from '../src/train/options.ts';

export interface Settings {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerKind;
  lr: number;
  dropout: number;
  weightDecay: number;
  /** Share of the training images held out for validation (the study: 12,000 of 60,000). */
  validationFraction: number;
  seed: number;
  /** Use the first N training / test images; 0 = all. */
  trainLimit: number;
  testLimit: number;
  variants: VariantName[];
  quirks: boolean;
}

/** The settings that are typed into a field (variants and quirks are checkboxes). */
export type FieldKey = Exclude<keyof Settings, 'variants' | 'quirks'>;

interface NumberField {
  key: Exclude<FieldKey, 'optimizer'>;
  label: string;
  kind: 'integer' | 'number';
  min: number;
  max: number;
  /** The minimum itself is not allowed (e.g. a learning rate of 0). */
  openMin?: boolean;
  help?: string;
}

interface ChoiceField {
  key: 'optimizer';
  label: string;
  kind: 'choice';
  choices: readonly { value: OptimizerKind; label: string }[];
}

export type Field = NumberField | ChoiceField;

export const DEFAULT_SETTINGS: Settings = {
  epochs: 50,
  batchSize: 64,
  optimizer: 'adam',
  lr: DEFAULT_OPTIMIZER.lr,
  dropout: STUDY_DEFAULTS.dropout,
  weightDecay: STUDY_DEFAULTS.weightDecay,
  validationFraction: 0.2,
  seed: 0,
  trainLimit: 0,
  testLimit: 0,
  variants: [...VARIANT_NAMES],
  quirks: false,
};

export const FIELDS: readonly Field[] = [
  { key: 'epochs', label: 'Epochs', kind: 'integer', min: 1, max: 500 },
  { key: 'batchSize', label: 'Batch size', kind: 'integer', min: 2, max: 4096 },
  {
    key: 'optimizer', label: 'Optimizer', kind: 'choice',
    choices: [{ value: 'adam', label: 'Adam' }, { value: 'adamw', label: 'AdamW' }, { value: 'sgd', label: 'SGD + momentum 0.9' }],
  },
  { key: 'lr', label: 'Learning rate', kind: 'number', min: 0, max: 1, openMin: true },
  { key: 'dropout', label: 'Dropout p', kind: 'number', min: 0, max: 0.95, help: 'dropout variant' },
  { key: 'weightDecay', label: 'Weight decay λ', kind: 'number', min: 0, max: 0.1, help: 'weight-decay variant; L2 with Adam/SGD, decoupled with AdamW' },
  { key: 'validationFraction', label: 'Validation split', kind: 'number', min: 0, max: 0.5, help: 'share of training images held out' },
  { key: 'seed', label: 'Seed', kind: 'integer', min: 0, max: 0xffffffff },
  { key: 'trainLimit', label: 'Train images', kind: 'integer', min: 0, max: 10_000_000, help: '0 = all' },
  { key: 'testLimit', label: 'Test images', kind: 'integer', min: 0, max: 10_000_000, help: '0 = all' },
];

export const QUIRKS_HELP =
  'Evaluate like the original notebook: dropout stays on and batch norm uses the statistics of shuffled test batches, ' +
  'which is how its published test accuracies were measured.';

/** What the form holds: field values as typed, variant and quirks checkboxes. */
export type RawSettings = Partial<Record<FieldKey, string>> & { variants?: string[]; quirks?: boolean };

export function rangeText(f: NumberField): string {
  const kind = f.kind === 'integer' ? 'a whole number' : 'a number';
  const n = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 6 });
  return `${kind} in ${f.openMin ? '(' : '['}${n(f.min)}, ${n(f.max)}]`;
}

function parseNumber(f: NumberField, text: string | undefined): number | string {
  const value = Number((text ?? '').trim());
  const ok = (text ?? '').trim() !== '' && Number.isFinite(value) && (f.openMin ? value > f.min : value >= f.min) && value <= f.max &&
    (f.kind === 'number' || Number.isInteger(value));
  return ok ? value : `${f.label} must be ${rangeText(f)}`;
}

/** The images a run trains on, after the train limit and the validation split. */
export function splitSizes(settings: Pick<Settings, 'trainLimit' | 'validationFraction'>, trainImages: number): { train: number; validation: number } {
  const available = settings.trainLimit > 0 ? Math.min(settings.trainLimit, trainImages) : trainImages;
  const validation = Math.round(settings.validationFraction * available);
  return { train: available - validation, validation };
}

export interface Parsed {
  settings: Settings | null;
  /** Field key → why its value is refused. */
  errors: Partial<Record<keyof Settings, string>>;
}

/**
 * Check every field, then the rules between fields that need the dataset's size (pass it once a
 * dataset is loaded). Settings come back only when there is no error at all.
 */
export function parseSettings(raw: RawSettings, trainImages?: number): Parsed {
  const errors: Parsed['errors'] = {};
  const values: Record<string, unknown> = {};
  for (const f of FIELDS) {
    if (f.kind === 'choice') {
      const value = raw[f.key] ?? DEFAULT_SETTINGS[f.key];
      if (f.choices.some((c) => c.value === value)) values[f.key] = value;
      else errors[f.key] = `${f.label} must be one of ${f.choices.map((c) => c.value).join(', ')}`;
      continue;
    }
    const parsed = parseNumber(f, raw[f.key]);
    if (typeof parsed === 'string') errors[f.key] = parsed;
    else values[f.key] = parsed;
  }
  const variants = VARIANT_NAMES.filter((v) => (raw.variants ?? []).includes(v));
  if (variants.length === 0) errors.variants = 'Pick at least one variant';
  if (Object.keys(errors).length) return { settings: null, errors };

  const settings = { ...values, variants, quirks: raw.quirks ?? false } as Settings;
  if (trainImages !== undefined) {
    const { train } = splitSizes(settings, trainImages);
    if (train < 1) errors.validationFraction = 'Validation split leaves no training images';
    else if (variants.includes('batchnorm') && train % settings.batchSize === 1) {
      errors.batchSize = `Batch norm needs ≥ 2 images per batch: ${train} training images in batches of ${settings.batchSize} leave a last batch of 1`;
    }
  }
  return Object.keys(errors).length ? { settings: null, errors } : { settings, errors };
}

/** The trainer options of one variant under these settings. */
export function trainerOptions(settings: Settings, name: VariantName, trainImages: number): TrainerOptionsInput {
  const overrides = name === 'dropout' ? { dropout: settings.dropout } : name === 'weight-decay' ? { weightDecay: settings.weightDecay } : {};
  return {
    variant: variant(name, overrides),
    optimizer: { kind: settings.optimizer, lr: settings.lr },
    batchSize: settings.batchSize,
    validationSize: splitSizes(settings, trainImages).validation,
    trainLimit: settings.trainLimit,
    testLimit: settings.testLimit,
    seed: settings.seed,
    quirks: settings.quirks,
  };
}

/** Settings as the form shows them. */
export function toRaw(settings: Settings): RawSettings {
  const raw: RawSettings = { variants: [...settings.variants], quirks: settings.quirks };
  for (const f of FIELDS) raw[f.key] = String(settings[f.key]);
  return raw;
}
