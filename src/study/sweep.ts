/**
 * Sweeps: a regularizer's strength against accuracy. Each strength is one study of one variant
 * (× seeds); this module reads their final test accuracies into points with 95% intervals and
 * says, with the statistics module's tests, which strength is best and whether it beats the
 * original study's choice (dropout p = 0.5, L2 λ = 1e-3) by more than its interval.
 * No DOM and no Node: pure data in, data out.
 */
import { difference, estimate, type Difference, type Estimate } from './statistics.ts';

/** The variants with a strength to sweep, the option that sets it, and the original's value. */
export const SWEEPABLE = {
  dropout: { parameter: 'p', option: 'dropout', original: 0.5 },
  'weight-decay': { parameter: 'λ', option: 'weightDecay', original: 1e-3 },
} as const;

export type SweepVariant = keyof typeof SWEEPABLE;

export interface SweepSpec {
  variant: SweepVariant;
  strengths: number[];
}

export interface SweepRun {
  strength: number;
  /** Final test accuracy of each seed that completed. */
  testAccuracies: number[];
  /** Final validation accuracy of each completed seed (empty without a validation split). */
  validationAccuracies: number[];
  /** Test images each accuracy was measured on. */
  testImages: number;
}

export interface SweepPoint {
  strength: number;
  test: Estimate;
  validation: Estimate | null;
}

export interface SweepAnalysis {
  variant: SweepVariant;
  parameter: string;
  points: SweepPoint[];
  /** The strength with the highest mean validation accuracy (test when there is no validation split). */
  chosen: number;
  /** Chosen minus the original's strength in test accuracy, when the original's strength was swept. */
  againstOriginal: (Difference & { original: number }) | null;
  /** What the numbers support, in words. */
  findings: string[];
}

export const SWEEP_FORMAT = 'lenet-webgpu-sweep/1';

/** sweep.json: the command, and per swept variant its analysis and the runs it came from. */
export interface SweepResults {
  format: typeof SWEEP_FORMAT;
  command: string;
  /** Every strength's study warnings (tiny budget, one seed, near chance, …), without repeats. */
  warnings: string[];
  sweeps: (SweepAnalysis & { runs: SweepRun[] })[];
}

/** The folder (under the sweep's) of one strength's study, e.g. `dropout=0.3`. */
export const strengthDir = (variant: string, strength: number): string => `${variant}=${strength}`;

/** Accuracies closer than this are the same number (below any split's resolution). */
const TIE = 1e-9;

const fmt = (x: number): string => (x >= 0.01 ? String(x) : x.toExponential(0));
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const interval = (ci: [number, number] | null): string => (ci ? ` [${(100 * ci[0]).toFixed(2)}, ${(100 * ci[1]).toFixed(2)}]` : '');

/** Parse `--sweep dropout=0.1,0.3,0.5`; throws an Error naming the part that is wrong. */
export function parseSweep(text: string): SweepSpec {
  const match = /^([a-z-]+)=(.+)$/.exec(text.trim());
  if (!match) throw new Error(`--sweep ${text}: expected VARIANT=S1,S2,… (e.g. dropout=0.1,0.3,0.5)`);
  const variant = match[1]!;
  if (!(variant in SWEEPABLE)) throw new Error(`--sweep ${text}: '${variant}' has no strength to sweep; one of ${Object.keys(SWEEPABLE).join(', ')}`);
  const strengths = match[2]!.split(',').map((s) => Number(s.trim()));
  const [min, max] = variant === 'dropout' ? [0, 1] : [0, 10];
  const bad = strengths.find((s) => !Number.isFinite(s) || s < min || s >= max);
  if (bad !== undefined) {
    throw new Error(`--sweep ${text}: strengths must be numbers in [${min}, ${max}), got ${match[2]}`);
  }
  if (new Set(strengths).size !== strengths.length) throw new Error(`--sweep ${text}: a strength is repeated`);
  if (strengths.length < 2) throw new Error(`--sweep ${text}: a sweep needs at least two strengths`);
  return { variant: variant as SweepVariant, strengths: [...strengths].sort((a, b) => a - b) };
}

export function analyzeSweep(variant: SweepVariant, runs: SweepRun[]): SweepAnalysis {
  const { parameter, original } = SWEEPABLE[variant];
  const measured = runs.filter((r) => r.testAccuracies.length > 0);
  const points = measured.map((r): SweepPoint => ({
    strength: r.strength,
    test: estimate(r.testAccuracies, r.testImages),
    validation: r.validationAccuracies.length ? estimate(r.validationAccuracies) : null,
  }));
  const findings: string[] = [];
  if (points.length < 2) {
    return { variant, parameter, points, chosen: points[0]?.strength ?? NaN, againstOriginal: null, findings: [`${variant}: fewer than two strengths finished; nothing to compare.`] };
  }
  // Choose on validation (as the original chose its settings), report on test.
  const score = (p: SweepPoint) => (p.validation ?? p.test).mean;
  const top = Math.max(...points.map(score));
  const tied = points.filter((p) => top - score(p) < TIE);
  // Among tied strengths, keep the original's: a tie gives no reason to move from it.
  const chosen = tied.find((p) => p.strength === original) ?? tied[0]!;
  const by = points.some((p) => p.validation) ? 'validation' : 'test';
  findings.push(tied.length > 1
    ? `${variant}: ${tied.map((p) => `${parameter} = ${fmt(p.strength)}`).join(', ')} tie on mean ${by} accuracy (${pct(top)}); no strength is preferred.`
    : `${variant}: ${parameter} = ${fmt(chosen.strength)} has the best mean ${by} accuracy; its test accuracy is ${pct(chosen.test.mean)}${interval(chosen.test.ci95)}.`);
  const originalRun = measured.find((r) => r.strength === original);
  const chosenRun = measured.find((r) => r.strength === chosen.strength)!;
  let againstOriginal: SweepAnalysis['againstOriginal'] = null;
  if (originalRun && chosenRun !== originalRun) {
    const d = difference(chosenRun.testAccuracies, originalRun.testAccuracies, chosenRun.testImages);
    againstOriginal = { ...d, original };
    const seeds = Math.min(chosenRun.testAccuracies.length, originalRun.testAccuracies.length);
    const sign = d.difference >= 0 ? '+' : '−';
    const amount = `${sign}${Math.abs(100 * d.difference).toFixed(2)} pp${interval(d.ci95)}`;
    findings.push(d.established
      ? `Against the original's ${parameter} = ${fmt(original)}: ${amount} in test accuracy, established with ${seeds} seeds — the original's strength was ${chosen.strength < original ? 'too strong' : 'too weak'} for this budget.`
      : `Against the original's ${parameter} = ${fmt(original)}: ${amount} in test accuracy, not established with ${seeds} seed${seeds === 1 ? '' : 's'}.`);
  } else if (originalRun && tied.length === 1) {
    findings.push(`The original's ${parameter} = ${fmt(original)} is also the best of the strengths tried.`);
  } else if (!originalRun) {
    findings.push(`The original's ${parameter} = ${fmt(original)} was not among the strengths tried; add it to compare.`);
  }
  return { variant, parameter, points, chosen: chosen.strength, againstOriginal, findings };
}
