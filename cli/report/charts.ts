/** What the report's figures show, built from results.json; the page draws them (cli/page/figures.ts). */
import type { FigureRequest, Series } from '../page/figures.ts';
import type { StudyResults } from '../study-results.ts';
import { meanCurve } from './summary.ts';

export const SUMMARY_FILE = 'summary.png';
export const curvesFile = (variant: string): string => `curves-${variant}.png`;

const pct = (v: number | null): number | null => (v === null ? null : 100 * v);

export function figureRequest(results: StudyResults): FigureRequest {
  const { config, summary } = results;
  const epochs = Array.from({ length: config.epochs }, (_, i) => i + 1);
  const seeds = config.seeds.length > 1 ? ` (mean of ${config.seeds.length} seeds)` : '';
  const curves = config.variants.map((variant) => {
    const runs = results.runs.filter((r) => r.variant === variant);
    const curve = (label: string, metric: Parameters<typeof meanCurve>[2], scale = (v: number | null) => v): Series =>
      ({ label, values: meanCurve(runs, config.epochs, metric).map(scale) });
    const hasValidation = config.validationSize > 0;
    return {
      file: curvesFile(variant),
      title: `${variant}${seeds}`,
      epochs,
      accuracy: [
        curve('train', (e) => e.trainAccuracy, pct),
        ...(hasValidation ? [curve('validation', (e) => e.validationAccuracy, pct)] : []),
        curve('test', (e) => e.testAccuracy, pct),
      ],
      loss: [
        curve('train', (e) => e.trainLoss),
        ...(hasValidation ? [curve('validation', (e) => e.validationLoss)] : []),
        curve('test', (e) => e.testLoss),
      ],
    };
  });
  const finished = config.variants.filter((v) => summary?.[v]);
  const bar = (label: string, pick: (v: string) => number | null): Series => ({ label, values: finished.map((v) => pct(pick(v))) });
  return {
    curves,
    summary: {
      file: SUMMARY_FILE,
      title: `Final accuracy after ${config.epochs} epoch${config.epochs > 1 ? 's' : ''}${seeds}`,
      variants: finished,
      bars: [
        bar('train', (v) => summary![v]!.trainAccuracy.mean),
        ...(config.validationSize > 0 ? [bar('validation', (v) => summary![v]!.validationAccuracy?.mean ?? null)] : []),
        bar('test', (v) => summary![v]!.testAccuracy.mean),
      ],
    },
  };
}
