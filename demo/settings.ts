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
  /** Images to train on (the validation split comes on top, from the same pool); 0 = all the split leaves. */
  trainLimit: number;
  /** Use the first N test images; 0 = all. */
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
  /** 0 is allowed besides [min, max] and means "all". */
  zeroIsAll?: boolean;
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

/** Fewer images than this leave nothing to learn from or to measure. */
export const MIN_TRAIN_IMAGES = 20;
export const MIN_TEST_IMAGES = 10;

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
  { key: 'trainLimit', label: 'Train images', kind: 'integer', min: MIN_TRAIN_IMAGES, max: 10_000_000, zeroIsAll: true, help: 'validation comes on top' },
  { key: 'testLimit', label: 'Test images', kind: 'integer', min: MIN_TEST_IMAGES, max: 10_000_000, zeroIsAll: true },
];

/** The size of the loaded dataset, which bounds the image counts and the batch size. */
export interface DatasetSize {
  train: number;
  test: number;
}

/** A field's range once the dataset is known: image counts and batch size cannot exceed what there is. */
export function fieldRange(f: NumberField, settings: Partial<Settings>, size?: DatasetSize): NumberField {
  if (!size) return f;
  if (f.key === 'trainLimit') return { ...f, max: Math.max(f.min, maxTrainImages(size.train, settings.validationFraction ?? 0)) };
  if (f.key === 'testLimit') return { ...f, max: Math.max(f.min, size.test) };
  if (f.key === 'batchSize' && settings.trainLimit !== undefined && settings.validationFraction !== undefined) {
    return { ...f, max: Math.max(f.min, Math.min(f.max, splitSizes(settings as Settings, size.train).train)) };
  }
  return f;
}

/** The quick-run preset: a few minutes on a laptop GPU, long enough for the curves to mean something. */
export const QUICK_RUN: Partial<Settings> = { epochs: 3, trainLimit: 5_000, testLimit: 2_000 };

/** The quick-run preset over these settings, its image counts cut to what the dataset holds. */
export function quickRun(settings: Settings, size?: DatasetSize): Settings {
  const quick = { ...settings, ...QUICK_RUN };
  if (!size) return quick;
  return { ...quick, trainLimit: Math.min(quick.trainLimit, maxTrainImages(size.train, quick.validationFraction)), testLimit: Math.min(quick.testLimit, size.test) };
}

export const QUIRKS_HELP =
  'Evaluate like the original notebook: dropout stays on and batch norm uses the statistics of shuffled test batches, ' +
  'which is how its published test accuracies were measured.';

/** What the form holds: field values as typed, variant and quirks checkboxes. */
export type RawSettings = Partial<Record<FieldKey, string>> & { variants?: string[]; quirks?: boolean };

export function rangeText(f: NumberField): string {
  const kind = f.kind === 'integer' ? 'a whole number' : 'a number';
  const n = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 6 });
  return `${f.zeroIsAll ? '0 (all) or ' : ''}${kind} in ${f.openMin ? '(' : '['}${n(f.min)}, ${n(f.max)}]`;
}

function parseNumber(f: NumberField, text: string | undefined): number | string {
  const value = Number((text ?? '').trim());
  const inRange = (f.openMin ? value > f.min : value >= f.min) && value <= f.max;
  const ok = (text ?? '').trim() !== '' && Number.isFinite(value) && (inRange || (f.zeroIsAll === true && value === 0)) &&
    (f.kind === 'number' || Number.isInteger(value));
  return ok ? value : `${f.label} must be ${rangeText(f)}`;
}

/** Validation images held out beside `train` training images: the split's share of both together. */
function validationFor(train: number, fraction: number): number {
  return Math.round((train * fraction) / (1 - fraction));
}

/** The most training images a dataset of `datasetTrain` images allows once the validation split is held out. */
export function maxTrainImages(datasetTrain: number, fraction: number): number {
  let train = Math.floor(datasetTrain * (1 - fraction));
  while (train > 0 && train + validationFor(train, fraction) > datasetTrain) train--;
  return train;
}

/**
 * The images a run trains on and validates with: `trainLimit` training images plus the
 * validation split on top (its share of both), or with 0 the whole set divided by the split.
 * Too large a limit is clamped here; parseSettings refuses it before a run.
 */
export function splitSizes(settings: Pick<Settings, 'trainLimit' | 'validationFraction'>, datasetTrain: number): { train: number; validation: number } {
  if (settings.trainLimit === 0) {
    const validation = Math.round(settings.validationFraction * datasetTrain);
    return { train: datasetTrain - validation, validation };
  }
  const train = Math.min(settings.trainLimit, maxTrainImages(datasetTrain, settings.validationFraction));
  return { train, validation: validationFor(train, settings.validationFraction) };
}

/** The test images a run is measured on. */
export function testSize(settings: Pick<Settings, 'testLimit'>, datasetTest: number): number {
  return settings.testLimit > 0 ? Math.min(settings.testLimit, datasetTest) : datasetTest;
}

/** "400 train · 100 validation · 300 test images", what a run will actually use. */
export function splitText(settings: Settings, size: DatasetSize): string {
  const { train, validation } = splitSizes(settings, size.train);
  const n = (x: number) => x.toLocaleString('en');
  return `${n(train)} train · ${n(validation)} validation · ${n(testSize(settings, size.test))} test images`;
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
export function parseSettings(raw: RawSettings, size?: DatasetSize): Parsed {
  const errors: Parsed['errors'] = {};
  const values: Record<string, unknown> = {};
  // The fields that bound others first (the split bounds the train images, which bound the batch).
  const first: FieldKey[] = ['validationFraction', 'trainLimit'];
  const fields = [...first.map((key) => FIELDS.find((f) => f.key === key)!), ...FIELDS.filter((f) => !first.includes(f.key))];
  for (const field of fields) {
    const f = field.kind === 'choice' ? field : fieldRange(field, values as Partial<Settings>, size);
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
  if (size !== undefined) {
    const { train } = splitSizes(settings, size.train);
    if (train < MIN_TRAIN_IMAGES) errors.validationFraction = `Validation split leaves ${train} training images, fewer than ${MIN_TRAIN_IMAGES}`;
    else if (variants.includes('batchnorm') && train % settings.batchSize === 1) {
      errors.batchSize = `Batch norm needs ≥ 2 images per batch: ${train} training images in batches of ${settings.batchSize} leave a last batch of 1`;
    }
  }
  return Object.keys(errors).length ? { settings: null, errors } : { settings, errors };
}

/** The trainer options of one variant under these settings. */
export function trainerOptions(settings: Settings, name: VariantName, datasetTrain: number): TrainerOptionsInput {
  const overrides = name === 'dropout' ? { dropout: settings.dropout } : name === 'weight-decay' ? { weightDecay: settings.weightDecay } : {};
  const { train, validation } = splitSizes(settings, datasetTrain);
  return {
    variant: variant(name, overrides),
    optimizer: { kind: settings.optimizer, lr: settings.lr },
    batchSize: settings.batchSize,
    validationSize: validation,
    // The engine draws both splits from the first trainLimit images.
    trainLimit: settings.trainLimit === 0 ? 0 : train + validation,
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
