/**
 * What a study's runs support, as data and as sentences: per-variant estimates with 95%
 * intervals, every pairwise comparison, warnings about budgets too small to say anything, and a
 * verdict on each of the original study's conclusions. A claim is stated only when the numbers
 * establish it; otherwise the sentence says it is not established, and with how many seeds.
 * Shared by `npm run study`'s results.json and REPORT.md and by the demo page.
 */
import { difference, estimate, type Basis, type Estimate } from './statistics.ts';

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  validationLoss: number | null;
  validationAccuracy: number | null;
  testLoss: number;
  testAccuracy: number;
}

export interface RunRecordLike {
  variant: string;
  seed: number;
  /** Only 'complete' runs are measured; 'diverged' ones are named. */
  status: string;
  epochs: readonly EpochRecord[];
  error?: string | null;
}

export interface StudyInput {
  /** Variants in display order. */
  variants: readonly string[];
  runs: readonly RunRecordLike[];
  /** Images per split the metrics were measured on. */
  sizes: { train: number; validation: number; test: number };
  classes: number;
  /** The original's evaluation (dropout active, batch statistics) instead of the correct one. */
  quirks: boolean;
}

export const METRICS = ['trainAccuracy', 'validationAccuracy', 'testAccuracy', 'trainLoss', 'validationLoss', 'testLoss'] as const;
export type Metric = (typeof METRICS)[number];

export type VariantStatistics = Record<Metric, Estimate | null> & { gap: Estimate };

export interface Comparison {
  a: string;
  b: string;
  metric: 'trainAccuracy' | 'validationAccuracy' | 'testAccuracy';
  /** mean(a) − mean(b). */
  difference: number;
  ci95: [number, number] | null;
  established: boolean;
  basis: Basis;
}

export type VerdictValue = 'supported' | 'not established' | 'contradicted';

export interface Verdict {
  claim: string;
  verdict: VerdictValue;
  evidence: string;
}

/** The epoch a variant's validation accuracy peaks (mean over seeds), and its test accuracy there. */
export interface BestValidation {
  variant: string;
  epoch: number;
  validationAccuracy: number;
  testAccuracy: number;
  finalTestAccuracy: number;
  /** Epochs every seed of the variant finished. */
  epochs: number;
}

export interface Analysis {
  statistics: Record<string, VariantStatistics>;
  comparisons: Comparison[];
  warnings: string[];
  /** Sentences that follow from the numbers, each saying how sure it is. */
  claims: string[];
  verdicts: Verdict[];
  bestValidation: BestValidation[];
}

/** Below this many images in a split, or with one epoch, the budget is too small to conclude much. */
export const SMALL_SPLIT = 1000;
/** Test accuracy under this multiple of chance (1/classes) counts as not having learned. */
export const NEAR_CHANCE_FACTOR = 2;
/** Differences smaller than this (a fraction) are ties: below any split's resolution. */
const TIE = 1e-9;
/** "Almost perfect" train accuracy, for the original's batch-norm conclusion. */
const ALMOST_PERFECT = 0.97;
/** Test-set noise (95% half-width of a difference) above which "as good on test" cannot be judged: the variants differ by about this much. */
const RESOLVABLE = 0.01;
export const ORIGINAL_EPOCHS = 50;

export const DISPLAY_NAMES: Record<string, string> = {
  baseline: 'Baseline', dropout: 'Dropout', 'weight-decay': 'Weight decay', batchnorm: 'Batch norm',
};
const display = (v: string): string => DISPLAY_NAMES[v] ?? v;

/** A fraction in percent with two decimals; a difference in signed percentage points. */
export const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
export const pp = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)} pp`;
const ppInterval = (ci: [number, number]): string => `[${pp(ci[0])}, ${pp(ci[1])}]`;
const pctInterval = (ci: [number, number]): string => `[${(100 * ci[0]).toFixed(2)}, ${(100 * ci[1]).toFixed(2)}]%`;

const IMAGES: Record<Comparison['metric'], keyof StudyInput['sizes']> = {
  trainAccuracy: 'train', validationAccuracy: 'validation', testAccuracy: 'test',
};

export function analyze(input: StudyInput): Analysis {
  const complete = (v: string) => input.runs.filter((r) => r.variant === v && r.status === 'complete' && r.epochs.length > 0);
  const measured = input.variants.filter((v) => complete(v).length > 0);
  const finals = new Map(measured.map((v) => [v, complete(v).map((r) => r.epochs.at(-1)!)]));
  const values = (v: string, m: Metric): number[] | null => {
    const list = finals.get(v)!.map((e) => e[m]);
    return list.some((x) => x === null) ? null : (list as number[]);
  };

  const statistics: Record<string, VariantStatistics> = {};
  for (const v of measured) {
    const entry = {} as VariantStatistics;
    for (const m of METRICS) {
      const list = values(v, m);
      const images = m.endsWith('Accuracy') ? input.sizes[IMAGES[m as Comparison['metric']]] : undefined;
      entry[m] = list === null || (images !== undefined && images < 1) ? null : estimate(list, images);
    }
    entry.gap = estimate(finals.get(v)!.map((e) => e.trainAccuracy - e.testAccuracy));
    statistics[v] = entry;
  }

  const chance = 1 / input.classes;
  const nearChance = measured.filter((v) => statistics[v]!.testAccuracy!.mean < NEAR_CHANCE_FACTOR * chance);
  const ranked = measured.filter((v) => !nearChance.includes(v));

  const comparisons: Comparison[] = [];
  for (const metric of ['testAccuracy', 'trainAccuracy', 'validationAccuracy'] as const) {
    const images = input.sizes[IMAGES[metric]];
    for (let i = 0; i < ranked.length; i++) {
      for (let j = i + 1; j < ranked.length; j++) {
        const [a, b] = [ranked[i]!, ranked[j]!];
        const [va, vb] = [values(a, metric), values(b, metric)];
        if (!va || !vb || images < 1) continue;
        comparisons.push({ a, b, metric, ...difference(va, vb, images) });
      }
    }
  }
  const compare = (a: string, b: string, metric: Comparison['metric']): Comparison | undefined => {
    const found = comparisons.find((c) => c.metric === metric && ((c.a === a && c.b === b) || (c.a === b && c.b === a)));
    if (!found || found.a === a) return found;
    return { ...found, a, b, difference: -found.difference, ci95: found.ci95 && [-found.ci95[1], -found.ci95[0]] };
  };

  const seeds = Math.max(0, ...measured.map((v) => statistics[v]!.testAccuracy!.n));
  const epochs = Math.max(0, ...measured.flatMap((v) => complete(v).map((r) => r.epochs.length)));
  const warnings = budgetWarnings(input, seeds, epochs, nearChance.map((v) => [v, statistics[v]!.testAccuracy!.mean]));
  const claims = statedClaims(measured, ranked, statistics, compare, seeds);
  const bestValidation = measured.flatMap((v) => bestValidationOf(v, complete(v)));
  const verdicts = judgeOriginal(ranked, statistics, compare, bestValidation, complete, input, seeds, epochs);
  return { statistics, comparisons, warnings, claims, verdicts, bestValidation };
}

function budgetWarnings(input: StudyInput, seeds: number, epochs: number, nearChance: [string, number][]): string[] {
  const warnings: string[] = [];
  const { train, test } = input.sizes;
  if (train < SMALL_SPLIT || test < SMALL_SPLIT) {
    warnings.push(`Tiny budget: ${train.toLocaleString('en')} training and ${test.toLocaleString('en')} test images. ` +
      'Accuracies this small a sample gives move by several points between runs; read nothing general into them.');
  }
  if (epochs === 1) warnings.push(`One epoch: the models have barely started training (the original trained ${ORIGINAL_EPOCHS}), so regularizers cannot show what they do against overfitting yet.`);
  if (seeds === 1) warnings.push('One seed: the intervals are only the binomial error of the evaluated images; how much results vary from seed to seed is not measured (run several seeds).');
  for (const [v, accuracy] of nearChance) {
    warnings.push(`${display(v)} is near chance (test ${pct(accuracy)}, chance ${pct(1 / input.classes)}): it did not learn, and no ranking includes it.`);
  }
  for (const run of input.runs.filter((r) => r.status === 'diverged')) {
    warnings.push(`${display(run.variant)} (seed ${run.seed}) diverged${run.error ? `: ${run.error}` : ''}; it is left out of every estimate.`);
  }
  return warnings;
}

type Compare = (a: string, b: string, metric: Comparison['metric']) => Comparison | undefined;

const seedsText = (n: number): string => `${n} seed${n === 1 ? '' : 's'}`;

/** A difference with its interval and, unless `short`, whether it is established. */
function describe(c: Comparison, seeds: number, short = false): string {
  if (c.basis === 'binomial') {
    const beyond = c.ci95![0] > 0 || c.ci95![1] < 0;
    const noise = `${pp(c.difference)}, ${beyond ? 'beyond' : 'within'} the evaluated images' noise (95% ${ppInterval(c.ci95!)})`;
    return short ? noise : `${noise}; not established with 1 seed (seed-to-seed variation is not measured)`;
  }
  const interval = c.ci95 ? `, 95% CI ${ppInterval(c.ci95)}` : '';
  if (short) return `${pp(c.difference)}${interval}`;
  const how = c.established ? 'established' : c.ci95 ? `not established with ${seedsText(seeds)}` : 'no interval: not established';
  return `${pp(c.difference)}${interval}; ${how}`;
}

/** The best (or worst) variant on a metric, stated only as far as the comparisons establish it. */
function extreme(which: 'best' | 'worst', metric: 'trainAccuracy' | 'testAccuracy', ranked: string[], statistics: Record<string, VariantStatistics>, compare: Compare, seeds: number): string {
  const label = metric === 'testAccuracy' ? 'test' : 'train';
  const sign = which === 'best' ? 1 : -1;
  const sorted = [...ranked].sort((a, b) => sign * (statistics[b]![metric]!.mean - statistics[a]![metric]!.mean));
  const top = sorted[0]!;
  const topValue = statistics[top]![metric]!.mean;
  const tied = sorted.filter((v) => Math.abs(statistics[v]![metric]!.mean - topValue) <= TIE);
  if (tied.length === ranked.length) return `All ${ranked.length} variants tie on ${label} accuracy (${pct(topValue)}).`;
  if (tied.length > 1) return `${tied.map(display).join(' and ')} tie for ${which} on ${label} accuracy (${pct(topValue)}).`;
  const others = sorted.slice(1).map((v) => compare(top, v, metric)!);
  const runnerUp = others[0]!;
  if (others.every((c) => c.established)) {
    return `${display(top)} is ${which} on ${label} accuracy (${pct(topValue)}), established against every other variant ` +
      `(closest, ${display(runnerUp.b)}: ${describe(runnerUp, seeds, true)}).`;
  }
  const unsettled = others.filter((c) => !c.established).map((c) => display(c.b));
  return `${display(top)} has the ${which === 'best' ? 'highest' : 'lowest'} mean ${label} accuracy (${pct(topValue)}), but its difference from ` +
    `${unsettled.join(', ')} is not established with ${seedsText(seeds)} (closest, ${display(runnerUp.b)}: ${describe(runnerUp, seeds, true)}).`;
}

function statedClaims(measured: string[], ranked: string[], statistics: Record<string, VariantStatistics>, compare: Compare, seeds: number): string[] {
  if (measured.length === 0) return ['No variant finished an epoch: there is nothing to conclude.'];
  const claims: string[] = [];
  for (const v of measured) {
    const s = statistics[v]!;
    const test = s.testAccuracy!;
    const interval = test.ci95 ? ` (95% CI ${pctInterval(test.ci95)}${test.basis === 'binomial' ? ', binomial error of one seed' : ''})` : '';
    claims.push(`${display(v)}: test ${pct(test.mean)}${interval}, train ${pct(s.trainAccuracy!.mean)}.`);
  }
  if (ranked.length < 2) {
    claims.push(ranked.length === 1 ? `Only ${display(ranked[0]!)} learned: there is nothing to compare it with.` : 'No variant learned: there is no ranking.');
  } else {
    claims.push(extreme('best', 'testAccuracy', ranked, statistics, compare, seeds));
    claims.push(extreme('worst', 'testAccuracy', ranked, statistics, compare, seeds));
    claims.push(extreme('best', 'trainAccuracy', ranked, statistics, compare, seeds));
    if (ranked.includes('baseline')) {
      for (const v of ranked.filter((x) => x !== 'baseline')) {
        claims.push(`${display(v)} against the baseline on test: ${describe(compare(v, 'baseline', 'testAccuracy')!, seeds)}.`);
      }
    }
  }
  claims.push(gapClaim(ranked.length ? ranked : measured, statistics));
  return claims;
}

/** Overfitting is a positive train − test gap; a negative one means none yet, whatever its size. */
function gapClaim(variants: string[], statistics: Record<string, VariantStatistics>): string {
  const gaps = variants.map((v) => [v, statistics[v]!.gap.mean] as const).sort((a, b) => b[1] - a[1]);
  const overfitting = gaps.filter(([, g]) => g > TIE);
  const list = gaps.map(([v, g]) => `${display(v)} ${pp(g)}`).join(', ');
  if (!overfitting.length) return `Train − test gap: ${list} — no variant overfits yet (train accuracy is a running mean over the epoch, in training mode).`;
  const largest = overfitting[0]!;
  const none = gaps.filter(([, g]) => g <= TIE).map(([v]) => display(v));
  return `Train − test gap: ${list} — the largest is ${display(largest[0])}'s${none.length ? `; ${none.join(', ')} show${none.length === 1 ? 's' : ''} no overfitting yet` : ''}.`;
}

function bestValidationOf(variant: string, runs: RunRecordLike[]): BestValidation[] {
  const epochs = Math.min(...runs.map((r) => r.epochs.length));
  const meanAt = (i: number, key: 'validationAccuracy' | 'testAccuracy') =>
    runs.reduce((s, r) => s + (r.epochs[i]![key] ?? NaN), 0) / runs.length;
  let best = -1;
  for (let i = 0; i < epochs; i++) {
    if (!Number.isFinite(meanAt(i, 'validationAccuracy'))) return [];
    if (best < 0 || meanAt(i, 'validationAccuracy') > meanAt(best, 'validationAccuracy')) best = i;
  }
  if (best < 0) return [];
  return [{
    variant, epoch: best + 1, validationAccuracy: meanAt(best, 'validationAccuracy'), testAccuracy: meanAt(best, 'testAccuracy'),
    finalTestAccuracy: meanAt(epochs - 1, 'testAccuracy'), epochs,
  }];
}

/** Does `v` beat (sign 1) or trail (sign −1) every other variant on `metric`, as established? */
function standing(v: string, sign: 1 | -1, metric: Comparison['metric'], ranked: string[], compare: Compare): VerdictValue {
  const others = ranked.filter((x) => x !== v).map((x) => compare(v, x, metric)!);
  if (others.every((c) => c.established && sign * c.difference > 0)) return 'supported';
  if (others.some((c) => c.established && sign * c.difference < 0)) return 'contradicted';
  return 'not established';
}

const combine = (a: VerdictValue, b: VerdictValue): VerdictValue =>
  a === 'contradicted' || b === 'contradicted' ? 'contradicted' : a === 'supported' && b === 'supported' ? 'supported' : 'not established';

export const ORIGINAL_CLAIMS = {
  batchNormBest: 'Batch norm is best on both train and test accuracy.',
  batchNormTrain: "Batch norm's train accuracy is almost perfect and still rising.",
  dropoutWorst: 'Dropout is worst on train and test accuracy, even below the baseline.',
  validationChooses: 'The validation set can choose the optimizer and the number of epochs (its best epoch is as good on test).',
} as const;

function judgeOriginal(
  ranked: string[], statistics: Record<string, VariantStatistics>, compare: Compare, bestValidation: BestValidation[],
  complete: (v: string) => RunRecordLike[], input: StudyInput, seeds: number, epochs: number,
): Verdict[] {
  const verdicts: Verdict[] = [];
  const budget = `${seedsText(seeds)}, ${epochs} epoch${epochs === 1 ? '' : 's'}, ${input.quirks ? "the original's evaluation (--quirks)" : 'correct evaluation'}`;
  const evidenceOf = (v: string, metric: 'trainAccuracy' | 'testAccuracy') =>
    ranked.filter((x) => x !== v).map((x) => `${display(x)} ${describe(compare(v, x, metric)!, seeds)}`).join('; ');
  const missing = (v: string) => ({ verdict: 'not established' as const, evidence: `${display(v)} has no measured result that learned (${budget}).` });

  for (const [claim, v, sign] of [[ORIGINAL_CLAIMS.batchNormBest, 'batchnorm', 1], [ORIGINAL_CLAIMS.dropoutWorst, 'dropout', -1]] as const) {
    if (!ranked.includes(v) || ranked.length < 2) {
      verdicts.push({ claim, ...missing(v) });
      continue;
    }
    const verdict = combine(standing(v, sign, 'trainAccuracy', ranked, compare), standing(v, sign, 'testAccuracy', ranked, compare));
    verdicts.push({ claim, verdict, evidence: `${display(v)} minus each other variant — test: ${evidenceOf(v, 'testAccuracy')}. Train: ${evidenceOf(v, 'trainAccuracy')}. (${budget})` });
  }

  if (!ranked.includes('batchnorm')) verdicts.splice(1, 0, { claim: ORIGINAL_CLAIMS.batchNormTrain, ...missing('batchnorm') });
  else verdicts.splice(1, 0, { claim: ORIGINAL_CLAIMS.batchNormTrain, ...batchNormTrainVerdict(complete('batchnorm'), statistics.batchnorm!.trainAccuracy!, budget, epochs) });

  verdicts.push({ claim: ORIGINAL_CLAIMS.validationChooses, ...validationVerdict(bestValidation.filter((b) => ranked.includes(b.variant)), input.sizes.test, budget) });
  return verdicts;
}

function batchNormTrainVerdict(runs: RunRecordLike[], train: Estimate, budget: string, epochs: number): { verdict: VerdictValue; evidence: string } {
  const rising = runs.map((r) => r.epochs.length >= 2 && r.epochs.at(-1)!.trainAccuracy > r.epochs.at(-2)!.trainAccuracy);
  const falling = runs.map((r) => r.epochs.length >= 2 && r.epochs.at(-1)!.trainAccuracy < r.epochs.at(-2)!.trainAccuracy);
  const evidence = `final train accuracy ${pct(train.mean)}${train.ci95 ? ` (95% CI ${pctInterval(train.ci95)})` : ''}; ` +
    `it rose over the last epoch in ${rising.filter(Boolean).length} of ${runs.length} seed(s) (${budget}; "almost perfect" taken as ≥ ${pct(ALMOST_PERFECT)}).`;
  const high = train.ci95 ? train.ci95[0] >= ALMOST_PERFECT : train.mean >= ALMOST_PERFECT;
  const low = train.ci95 ? train.ci95[1] < ALMOST_PERFECT : train.mean < ALMOST_PERFECT;
  if (high && rising.every(Boolean)) return { verdict: 'supported', evidence };
  // Falling everywhere, or short of "almost perfect" at the original's own budget, contradicts it;
  // short of it after fewer epochs only says the run is too short.
  if ((runs.length >= 2 && falling.every(Boolean)) || (low && epochs >= ORIGINAL_EPOCHS)) return { verdict: 'contradicted', evidence };
  return { verdict: 'not established', evidence };
}

function validationVerdict(best: BestValidation[], testImages: number, budget: string): { verdict: VerdictValue; evidence: string } {
  if (!best.length) return { verdict: 'not established', evidence: `no validation accuracy was measured (${budget}).` };
  // The test accuracy at the validation-chosen epoch against the best test accuracy of any epoch
  // would need every epoch; against the final epoch it says whether choosing by validation costs anything.
  const rows = best.map((b) => {
    const noise = 1.96 * Math.sqrt(2 * Math.max(b.finalTestAccuracy * (1 - b.finalTestAccuracy), 0) / Math.max(1, testImages));
    return { ...b, worse: b.finalTestAccuracy - b.testAccuracy > noise, noise };
  });
  const evidence = rows.map((r) => `${display(r.variant)}: best validation at epoch ${r.epoch} (${pct(r.validationAccuracy)}), test there ${pct(r.testAccuracy)} ` +
    `vs ${pct(r.finalTestAccuracy)} at the last epoch`).join('; ') + ` (differences within ±${(100 * rows[0]!.noise).toFixed(2)} pp are test-set noise; ${budget}).`;
  if (rows.some((r) => r.worse)) return { verdict: 'contradicted', evidence };
  // "No worse within noise" says nothing when the noise is wider than the effects studied.
  if (rows[0]!.noise > RESOLVABLE) return { verdict: 'not established', evidence: `${evidence} The test set is too small to tell (noise over ±${(100 * RESOLVABLE).toFixed(0)} pp).` };
  // Validation still rising at the last epoch (or a single epoch) chose nothing: the test is untried.
  if (rows.every((r) => r.epoch === r.epochs)) {
    return { verdict: 'not established', evidence: `${evidence} Validation accuracy peaks at the last epoch for every variant, so it chose nothing yet.` };
  }
  return { verdict: 'supported', evidence };
}
