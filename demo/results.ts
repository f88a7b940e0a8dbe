/**
 * The study's results as data: each variant's final numbers (its last finished epoch), the
 * conclusions drawn from them, and the JSON and CSV exports. No DOM, so tested in Node.
 */
import { CLASSES } from '../src/model/lenet.ts';
import { DISPLAY_NAMES, analyze, type Verdict } from '../src/study/claims.ts';
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

export interface Sizes {
  train: number;
  validation: number;
  test: number;
}

/**
 * The page's reading of a finished run, from the same module as the CLI's report (src/study):
 * warnings first, then only the claims the numbers support, and the original study's
 * conclusions with their verdicts. A variant that was stopped counts with its last finished epoch.
 */
export function conclusions(runs: readonly Pick<VariantRun, 'name' | 'status' | 'epochs' | 'message'>[], sizes: Sizes, quirks: boolean): { lines: string[]; verdicts: Verdict[] } {
  const lines: string[] = [];
  const left = runs.filter((r) => r.status !== 'finished');
  if (left.length) lines.push(`Not finished: ${left.map((r) => `${DISPLAY_NAMES[r.name] ?? r.name} (${r.status}, ${r.epochs.length} epoch${r.epochs.length === 1 ? '' : 's'})`).join(', ')}; their last finished epoch is used.`);
  const analysis = analyze({
    variants: runs.map((r) => r.name),
    runs: runs.map((r) => ({ variant: r.name, seed: 0, status: r.status === 'diverged' ? 'diverged' : 'complete', epochs: r.epochs, error: r.message })),
    sizes, classes: CLASSES, quirks,
  });
  return { lines: [...lines, ...analysis.warnings, ...analysis.claims], verdicts: analysis.verdicts };
}

export interface StudyRecord {
  dataset: { name: string; source: string; trainImages: number; validationImages: number; testImages: number };
  /** Evaluated like the original (dropout active, batch statistics). */
  quirks: boolean;
  settings: unknown;
  adapter: unknown;
  variants: { name: string; status: VariantStatus; message: string | null; epochs: EpochMetrics[]; final: Summary }[];
}

/** A variant's run as the results show it: live from the study, or read back from storage. */
export type ShownRun = Pick<VariantRun, 'name' | 'status' | 'epochs' | 'message' | 'weights'>;

export function studyRecord(meta: Omit<StudyRecord, 'variants'>, runs: readonly ShownRun[]): StudyRecord {
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
