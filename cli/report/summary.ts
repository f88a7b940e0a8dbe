/** The numbers the report shows, computed from results.json's runs: final metrics over seeds, mean curves. */
import type { EpochMetrics } from '../../src/train/types.ts';
import type { RunRecord } from '../run-record.ts';

export interface Stat {
  mean: number;
  /** Sample standard deviation over seeds; null with a single seed. */
  std: number | null;
}

export interface VariantSummary {
  /** Seeds whose run completed (diverged runs are left out). */
  seeds: number[];
  trainLoss: Stat;
  trainAccuracy: Stat;
  validationAccuracy: Stat | null;
  testLoss: Stat;
  testAccuracy: Stat;
  /** Train minus test accuracy, per seed, then averaged. */
  gap: Stat;
}

export function stat(values: number[]): Stat {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : null;
  return { mean, std };
}

/** Per variant with at least one completed run: the last epoch's metrics, mean ± std over seeds. */
export function summarize(runs: RunRecord[]): Record<string, VariantSummary> {
  const summary: Record<string, VariantSummary> = {};
  for (const name of new Set(runs.map((r) => r.variant))) {
    const done = runs.filter((r) => r.variant === name && r.status === 'complete');
    if (!done.length) continue;
    const last = done.map((r) => r.epochs.at(-1)!);
    const of = (key: 'trainLoss' | 'trainAccuracy' | 'testLoss' | 'testAccuracy') => stat(last.map((e) => e[key]));
    summary[name] = {
      seeds: done.map((r) => r.seed),
      trainLoss: of('trainLoss'),
      trainAccuracy: of('trainAccuracy'),
      validationAccuracy: last[0]!.validationAccuracy === null ? null : stat(last.map((e) => e.validationAccuracy!)),
      testLoss: of('testLoss'),
      testAccuracy: of('testAccuracy'),
      gap: stat(last.map((e) => e.trainAccuracy - e.testAccuracy)),
    };
  }
  return summary;
}

/** The mean over seeds of one metric at each epoch 1..epochs (null where no run reached it). */
export function meanCurve(runs: RunRecord[], epochs: number, metric: (e: EpochMetrics) => number | null): (number | null)[] {
  return Array.from({ length: epochs }, (_, i) => {
    const values = runs.map((r) => r.epochs[i]).filter((e) => e !== undefined).map(metric).filter((v) => v !== null);
    return values.length ? stat(values).mean : null;
  });
}
