/**
 * The study's results as data: each variant's final numbers (its last finished epoch), the
 * conclusions drawn from them, and the JSON and CSV exports. No DOM, so tested in Node.
 */
import type { EpochMetrics } from '../src/train/types.ts';
import type { VariantRun, VariantStatus } from './study.ts';

export interface Summary {
  variant: string;
  status: VariantStatus;
  epochs: number;
  trainAccuracy: number | null;
  validationAccuracy: number | null;
  testAccuracy: number | null;
  trainLoss: number | null;
  validationLoss: number | null;
  testLoss: number | null;
}

export function summarize(runs: readonly Pick<VariantRun, 'name' | 'status' | 'epochs'>[]): Summary[] {
  return runs.map((run) => {
    const last: EpochMetrics | undefined = run.epochs.at(-1);
    return {
      variant: run.name,
      status: run.status,
      epochs: run.epochs.length,
      trainAccuracy: last?.trainAccuracy ?? null,
      validationAccuracy: last?.validationAccuracy ?? null,
      testAccuracy: last?.testAccuracy ?? null,
      trainLoss: last?.trainLoss ?? null,
      validationLoss: last?.validationLoss ?? null,
      testLoss: last?.testLoss ?? null,
    };
  });
}

export const percent = (x: number | null, digits = 2): string => (x === null || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(digits)}%`);
const points = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)} pp`;

type Measured = Summary & { trainAccuracy: number; testAccuracy: number };

function extremes(rows: Measured[], key: 'trainAccuracy' | 'testAccuracy'): { best: Measured; worst: Measured } {
  const sorted = [...rows].sort((a, b) => b[key] - a[key]);
  return { best: sorted[0]!, worst: sorted.at(-1)! };
}

/**
 * Sentences that follow from the numbers: best and worst variant on train and test, each
 * variant's train–test gap, each regularizer against the baseline, and whether the spread of test
 * accuracies exceeds the noise of a test set of this size.
 */
export function conclusions(rows: readonly Summary[], testImages: number): string[] {
  const measured = rows.filter((r): r is Measured => r.trainAccuracy !== null && r.testAccuracy !== null);
  const lines: string[] = [];
  const left = rows.filter((r) => r.status !== 'finished');
  if (left.length) lines.push(`Not finished: ${left.map((r) => `${r.variant} (${r.status}, ${r.epochs} epoch${r.epochs === 1 ? '' : 's'})`).join(', ')}; their last finished epoch is used.`);
  if (measured.length === 0) return [...lines, 'No variant finished an epoch, so there is nothing to compare yet.'];
  if (measured.length === 1) {
    const r = measured[0]!;
    return [...lines, `${r.variant}: train ${percent(r.trainAccuracy)}, test ${percent(r.testAccuracy)}, train–test gap ${points(r.trainAccuracy - r.testAccuracy)}.`];
  }
  const train = extremes(measured, 'trainAccuracy');
  const test = extremes(measured, 'testAccuracy');
  lines.push(`Best on train: ${train.best.variant} (${percent(train.best.trainAccuracy)}); worst: ${train.worst.variant} (${percent(train.worst.trainAccuracy)}).`);
  lines.push(`Best on test: ${test.best.variant} (${percent(test.best.testAccuracy)}); worst: ${test.worst.variant} (${percent(test.worst.testAccuracy)}).`);
  const gaps = measured.map((r) => ({ variant: r.variant, gap: r.trainAccuracy - r.testAccuracy })).sort((a, b) => b.gap - a.gap);
  lines.push(`Train–test gap (overfitting): ${gaps.map((g) => `${g.variant} ${points(g.gap)}`).join(', ')} — largest for ${gaps[0]!.variant}, smallest for ${gaps.at(-1)!.variant}.`);
  const baseline = measured.find((r) => r.variant === 'baseline');
  const others = measured.filter((r) => r !== baseline);
  if (baseline && others.length) {
    lines.push(`Against the baseline on test: ${others.map((r) => `${r.variant} ${points(r.testAccuracy - baseline.testAccuracy)}`).join(', ')}.`);
  }
  // Binomial standard error of an accuracy measured on n test images; two of them ≈ 95%.
  const p = test.best.testAccuracy;
  const noise = 2 * Math.sqrt(Math.max(p * (1 - p), 1e-12) / Math.max(1, testImages));
  const spread = test.best.testAccuracy - test.worst.testAccuracy;
  lines.push(spread > noise
    ? `The test spread (${points(spread)}) exceeds the noise of ${testImages.toLocaleString('en')} test images (±${(100 * noise).toFixed(1)} pp).`
    : `The test spread (${points(spread)}) is within the noise of ${testImages.toLocaleString('en')} test images (±${(100 * noise).toFixed(1)} pp): the ranking could change with another seed.`);
  return lines;
}

export interface StudyRecord {
  dataset: { name: string; source: string; trainImages: number; testImages: number };
  settings: unknown;
  adapter: unknown;
  variants: { name: string; status: VariantStatus; message: string | null; epochs: EpochMetrics[]; final: Summary }[];
}

export function studyRecord(meta: Omit<StudyRecord, 'variants'>, runs: readonly VariantRun[]): StudyRecord {
  const finals = summarize(runs);
  return { ...meta, variants: runs.map((r, i) => ({ name: r.name, status: r.status, message: r.message, epochs: r.epochs, final: finals[i]! })) };
}

export const CSV_COLUMNS = ['variant', 'epoch', 'steps', 'train_loss', 'train_accuracy', 'validation_loss', 'validation_accuracy',
  'test_loss', 'test_accuracy', 'train_seconds', 'samples_per_second'] as const;

/** One row per variant and epoch. */
export function studyCsv(runs: readonly Pick<VariantRun, 'name' | 'epochs'>[]): string {
  const rows = runs.flatMap((r) => r.epochs.map((m) => [r.name, m.epoch, m.steps, m.trainLoss, m.trainAccuracy, m.validationLoss ?? '',
    m.validationAccuracy ?? '', m.testLoss, m.testAccuracy, m.trainSeconds, m.samplesPerSecond].join(',')));
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}
