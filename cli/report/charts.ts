/** What the report's figures show, built from results.json; the page draws them (cli/page/figures.ts). */
import type { FigureRequest, Series } from '../page/figures.ts';
import type { StudyResults } from '../study-results.ts';
import { SPLIT_COLOURS, variantColour, type Split } from '../../src/study/colours.ts';
import { estimate } from '../../src/study/statistics.ts';
import type { EpochMetrics } from '../../src/train/types.ts';
import { meanCurve } from './summary.ts';

export const SUMMARY_FILE = 'summary.png';
export const curvesFile = (variant: string): string => `curves-${variant}.png`;

const pct = (v: number | null): number | null => (v === null ? null : 100 * v);
const pctInterval = (ci: [number, number] | null | undefined): [number, number] | null => (ci ? [100 * ci[0], 100 * ci[1]] : null);

/** Per epoch, the 95% interval over the seeds that reached it (two or more), else null. */
function curveIntervals(runs: { epochs: EpochMetrics[] }[], epochs: number, metric: (e: EpochMetrics) => number | null, scale: number): ([number, number] | null)[] {
  return Array.from({ length: epochs }, (_, i) => {
    const values = runs.map((r) => r.epochs[i]).filter((e) => e !== undefined).map(metric).filter((v) => v !== null);
    if (values.length < 2) return null;
    const ci = estimate(values).ci95;
    if (!ci) return null;
    // Accuracies (scaled to %) stay within [0, 100].
    return scale === 100 ? [Math.max(0, 100 * ci[0]), Math.min(100, 100 * ci[1])] : [ci[0], ci[1]];
  });
}

export function figureRequest(results: StudyResults): FigureRequest {
  const { config, summary } = results;
  const epochs = Array.from({ length: config.epochs }, (_, i) => i + 1);
  const seeds = config.seeds.length > 1 ? ` (mean of ${config.seeds.length} seeds)` : '';
  const curves = config.variants.map((variant) => {
    const runs = results.runs.filter((r) => r.variant === variant);
    const complete = runs.filter((r) => r.status === 'complete');
    // The variant's colour on every split (the page's too); the splits differ by dash and marker.
    const curve = (split: Split, metric: Parameters<typeof meanCurve>[2], percent = false): Series => ({
      label: split,
      split,
      colour: variantColour(variant),
      values: meanCurve(runs, config.epochs, metric).map((v) => (percent ? pct(v) : v)),
      intervals: curveIntervals(complete, config.epochs, metric, percent ? 100 : 1),
    });
    const hasValidation = config.validationSize > 0;
    return {
      file: curvesFile(variant),
      title: `${variant}${seeds}`,
      epochs,
      accuracy: [
        curve('train', (e) => e.trainAccuracy, true),
        ...(hasValidation ? [curve('validation', (e) => e.validationAccuracy, true)] : []),
        curve('test', (e) => e.testAccuracy, true),
      ],
      loss: [
        curve('train', (e) => e.trainLoss),
        ...(hasValidation ? [curve('validation', (e) => e.validationLoss)] : []),
        curve('test', (e) => e.testLoss),
      ],
    };
  });
  const finished = config.variants.filter((v) => summary?.[v]);
  // Whiskers only from several seeds: one seed's binomial error is not the spread the figure shows.
  const bar = (split: Split, pick: (v: string) => number | null, metric: 'trainAccuracy' | 'validationAccuracy' | 'testAccuracy'): Series => ({
    label: split,
    split,
    colour: SPLIT_COLOURS[split],
    values: finished.map((v) => pct(pick(v))),
    intervals: finished.map((v) => {
      const e = results.statistics?.[v]?.[metric];
      return e?.basis === 'seeds' ? pctInterval(e.ci95) : null;
    }),
  });
  return {
    curves,
    summary: {
      file: SUMMARY_FILE,
      title: `Final accuracy after ${config.epochs} epoch${config.epochs > 1 ? 's' : ''}${seeds}`,
      variants: finished,
      bars: [
        bar('train', (v) => summary![v]!.trainAccuracy.mean, 'trainAccuracy'),
        ...(config.validationSize > 0 ? [bar('validation', (v) => summary![v]!.validationAccuracy?.mean ?? null, 'validationAccuracy')] : []),
        bar('test', (v) => summary![v]!.testAccuracy.mean, 'testAccuracy'),
      ],
    },
  };
}
