/** A sweep's figure (accuracy against strength, with 95% intervals) and SWEEP.md, from sweep.json's data. */
import type { CurvesFigure, Series } from '../page/figures.ts';
import { variantColour, type Split } from '../../src/study/colours.ts';
import { strengthDir, type SweepAnalysis, type SweepResults } from '../../src/study/sweep.ts';
import type { Estimate } from '../../src/study/statistics.ts';

export const sweepFigureFile = (variant: string): string => `sweep-${variant}.png`;

const pctInterval = (e: Estimate | null): [number, number] | null => (e?.ci95 ? [100 * e.ci95[0], 100 * e.ci95[1]] : null);

export function sweepFigure(sweep: SweepAnalysis): CurvesFigure {
  const series = (split: Split, pick: (p: SweepAnalysis['points'][number]) => Estimate | null): Series => ({
    label: split,
    split,
    colour: variantColour(sweep.variant),
    values: sweep.points.map((p) => { const e = pick(p); return e ? 100 * e.mean : null; }),
    intervals: sweep.points.map((p) => pctInterval(pick(p))),
  });
  const hasValidation = sweep.points.some((p) => p.validation);
  return {
    file: sweepFigureFile(sweep.variant),
    title: `${sweep.variant} sweep`,
    epochs: sweep.points.map((p) => p.strength),
    xTitle: `${sweep.variant} ${sweep.parameter}`,
    accuracy: [...(hasValidation ? [series('validation', (p) => p.validation)] : []), series('test', (p) => p.test)],
    loss: [],
  };
}

const pct = (e: Estimate | null): string => (e ? `${(100 * e.mean).toFixed(2)}` : '—');
const ci = (e: Estimate | null): string => (e?.ci95 ? `[${(100 * e.ci95[0]).toFixed(2)}, ${(100 * e.ci95[1]).toFixed(2)}]` : '—');

export function renderSweepReport(results: SweepResults, figures: string[]): string {
  const lines = ['# Regularization strength sweep', '', `Command: \`npm run study -- ${results.command}\``, ''];
  if (results.warnings.length) lines.push('> **What limits these conclusions** (from each strength\'s study):', ...results.warnings.map((w) => `> - ${w}`), '');
  results.sweeps.forEach((sweep, i) => {
    lines.push(`## ${sweep.variant}: ${sweep.parameter}`, '');
    for (const finding of sweep.findings) lines.push(`- ${finding}`);
    lines.push('', `| ${sweep.parameter} | seeds | validation % | test % | test 95% interval | interval from | study |`, '|---|---|---|---|---|---|---|');
    for (const p of sweep.points) {
      lines.push(`| ${p.strength} | ${p.test.n} | ${pct(p.validation)} | ${pct(p.test)} | ${ci(p.test)} | ${p.test.basis} | [${strengthDir(sweep.variant, p.strength)}](${strengthDir(sweep.variant, p.strength)}/REPORT.md) |`);
    }
    lines.push('', `![${sweep.variant} sweep](${figures[i]})`, '');
  });
  lines.push('Intervals: over seeds (Student t) with two or more seeds; with one seed, only the binomial error of the test images, which says nothing about seed-to-seed variation.', '');
  return lines.join('\n');
}
