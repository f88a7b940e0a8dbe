/** The study's statistics and claims (src/study/), on constructed runs: each case a study can produce. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { analyze, type EpochRecord, type RunRecordLike, type StudyInput } from '../src/study/claims.ts';
import { binomialError, difference, estimate, tCritical } from '../src/study/statistics.ts';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (±${tolerance})`);

const stats = suite('statistics');

stats('Student t critical values match the table', () => {
  // Two-sided 95% (p = 0.975) from standard tables.
  for (const [df, t] of [[1, 12.7062], [2, 4.3027], [4, 2.7764], [10, 2.2281], [30, 2.0423], [1000, 1.9623]] as const) close(tCritical(df), t, 1e-4, `t(${df})`);
  assert.throws(() => tCritical(0), /degrees of freedom must be positive/);
});

stats('an estimate over seeds: mean, sample std, t interval', () => {
  const e = estimate([0.8, 0.82, 0.84]);
  close(e.mean, 0.82, 1e-12, 'mean');
  close(e.std!, 0.02, 1e-12, 'std');
  const half = 4.302653 * 0.02 / Math.sqrt(3);
  close(e.ci95![0], 0.82 - half, 1e-6, 'lo');
  close(e.ci95![1], 0.82 + half, 1e-6, 'hi');
  assert.is(e.basis, 'seeds');
});

stats('one seed: only the binomial error of the images, marked as such; a loss gets no interval', () => {
  const e = estimate([0.9], 10_000);
  assert.is(e.basis, 'binomial');
  assert.is(e.std, null);
  close(e.ci95![1] - 0.9, 1.959964 * Math.sqrt(0.9 * 0.1 / 10_000), 1e-9, 'half width');
  const loss = estimate([0.3]);
  assert.is(loss.ci95, null);
  assert.is(loss.basis, 'none');
  close(binomialError(0.5, 100), 0.05, 1e-12, 'binomial error');
});

stats('accuracy intervals stay in [0, 1]; seeds that agree fall back to the binomial error', () => {
  const wide = estimate([0.1, 0.3], 40);
  assert.is(wide.basis, 'seeds');
  assert.equal(wide.ci95![0], 0);
  const agree = estimate([0.25, 0.25], 40);
  assert.is(agree.basis, 'binomial');
  close(agree.ci95![1] - 0.25, 1.959964 * Math.sqrt(0.25 * 0.75 / 40), 1e-7, 'binomial half width (z rounded to 6 decimals)');
  assert.is(estimate([0.5, 0.5]).ci95, null);
});

stats("Welch's interval: Satterthwaite degrees of freedom, and a difference inside it is not established", () => {
  // a = [1, 2, 3], b = [4, 5, 6, 7]: va = 1/3, vb = (5/3)/4, df = 4.959…
  const d = difference([1, 2, 3], [4, 5, 6, 7]);
  const va = 1 / 3, vb = 5 / 12;
  const df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 3);
  close(df, 4.9592, 1e-4, 'df');
  close(d.difference, -3.5, 1e-12, 'difference');
  close(d.ci95![1] - d.ci95![0], 2 * tCritical(df) * Math.sqrt(va + vb), 1e-12, 'width');
  assert.ok(d.established);
  // The 2-seed case: 45.00 ± 0.47 vs 41.83 ± 4.01 (sample std) — not established.
  const weak = difference([0.45 - 0.0047 / Math.SQRT2, 0.45 + 0.0047 / Math.SQRT2], [0.4183 - 0.0401 / Math.SQRT2, 0.4183 + 0.0401 / Math.SQRT2]);
  close(weak.difference, 0.0317, 1e-12, 'difference');
  assert.not.ok(weak.established);
});

stats.run();

const epoch = (e: number, train: number, test: number, validation: number | null = null): EpochRecord => ({
  epoch: e, trainLoss: 1 - train, trainAccuracy: train, validationLoss: validation === null ? null : 1 - validation,
  validationAccuracy: validation, testLoss: 1 - test, testAccuracy: test,
});
const run = (variant: string, seed: number, epochs: EpochRecord[], status = 'complete'): RunRecordLike => ({ variant, seed, status, epochs });
const VARIANTS = ['baseline', 'dropout', 'weight-decay', 'batchnorm'];
const study = (runs: RunRecordLike[], sizes = { train: 48_000, validation: 12_000, test: 10_000 }): StudyInput =>
  ({ variants: VARIANTS, runs, sizes, classes: 10, quirks: false });
const text = (lines: string[]) => lines.join('\n');

const claims = suite('claims');

claims('three training images: a warning at the top, and no overfitting or noise claims from them', () => {
  const a = analyze(study([
    run('baseline', 0, [epoch(1, 0.667, 0.277)]), run('batchnorm', 0, [epoch(1, 0.333, 0.387)]),
  ], { train: 3, validation: 0, test: 100 }));
  assert.match(a.warnings[0]!, /Tiny budget: 3 training and 100 test images/);
  assert.match(text(a.warnings), /One epoch/);
  assert.match(text(a.warnings), /One seed/);
  // The 11-point test spread on 100 images is not established (binomial interval).
  assert.match(text(a.claims), /not established with 1 seed/);
  assert.not.match(text(a.claims), /exceeds the noise/);
});

claims('ties are ties: three variants at 33.13% and none of them is called worst', () => {
  const a = analyze(study([
    run('baseline', 0, [epoch(1, 0.5, 0.3313)]), run('dropout', 0, [epoch(1, 0.5, 0.3313)]),
    run('weight-decay', 0, [epoch(1, 0.5, 0.3313)]), run('batchnorm', 0, [epoch(1, 0.6, 0.6)]),
  ]));
  assert.match(text(a.claims), /Baseline and Dropout and Weight decay tie for worst on test accuracy \(33\.13%\)/);
  // One seed: even a 27-point lead is only "beyond the evaluated images' noise", not established.
  assert.match(text(a.claims), /Batch norm has the highest mean test accuracy \(60\.00%\), but its difference from .* is not established with 1 seed \(closest, .*beyond the evaluated images' noise/);
  assert.ok(a.comparisons.every((c) => !c.established && c.basis === 'binomial'));
});

claims('a run near chance gets no ranking and is named as such', () => {
  const a = analyze(study([
    run('baseline', 0, [epoch(1, 0.11, 0.11)]), run('dropout', 0, [epoch(1, 0.15, 0.14)]),
    run('weight-decay', 0, [epoch(1, 0.2, 0.19)]), run('batchnorm', 0, [epoch(1, 0.22, 0.13)]),
  ]));
  assert.match(text(a.warnings), /Baseline is near chance \(test 11\.00%, chance 10\.00%\)/);
  assert.match(text(a.claims), /No variant learned: there is no ranking/);
  assert.not.match(text(a.claims), /best|worst|highest|lowest/);
  assert.is(a.comparisons.length, 0);
  assert.ok(a.verdicts.every((v) => v.verdict === 'not established'));
});

claims('a negative train − test gap is "no overfitting yet", never the largest overfitting', () => {
  const a = analyze(study([
    run('baseline', 0, [epoch(1, 0.80, 0.84)]), run('dropout', 0, [epoch(1, 0.78, 0.83)]),
  ]));
  assert.match(text(a.claims), /no variant overfits yet/);
  assert.not.match(text(a.claims), /largest/);
  const mixed = analyze(study([run('baseline', 0, [epoch(1, 0.9, 0.85)]), run('dropout', 0, [epoch(1, 0.78, 0.83)])]));
  assert.match(text(mixed.claims), /the largest is Baseline's; Dropout shows no overfitting yet/);
});

claims('two seeds, 45.00 ± 0.47 vs 41.83 ± 4.01: the higher mean is not called best', () => {
  const s = (m: number, sd: number) => [m - sd / Math.SQRT2, m + sd / Math.SQRT2];
  const [b0, b1] = s(0.45, 0.0047);
  const [d0, d1] = s(0.4183, 0.0401);
  const a = analyze(study([
    run('baseline', 0, [epoch(1, b0!, b0!)]), run('baseline', 1, [epoch(1, b1!, b1!)]),
    run('dropout', 0, [epoch(1, d0!, d0!)]), run('dropout', 1, [epoch(1, d1!, d1!)]),
  ]));
  assert.match(text(a.claims), /Baseline has the highest mean test accuracy \(45\.00%\), but its difference from Dropout is not established with 2 seeds/);
  const c = a.comparisons.find((x) => x.metric === 'testAccuracy')!;
  assert.equal([c.a, c.b, c.established, c.basis], ['baseline', 'dropout', false, 'seeds']);
  assert.is(a.statistics.baseline!.testAccuracy!.n, 2);
});

claims('diverged runs are named and left out; statistics carry n, mean, std and ci95', () => {
  const a = analyze(study([
    run('baseline', 0, [epoch(1, 0.8, 0.8)]), run('baseline', 1, [epoch(1, 0.82, 0.81)]),
    { ...run('dropout', 0, [], 'diverged'), error: 'loss became NaN at epoch 1, step 3' },
  ]));
  assert.match(text(a.warnings), /Dropout \(seed 0\) diverged: loss became NaN at epoch 1, step 3/);
  assert.equal(Object.keys(a.statistics), ['baseline']);
  const t = a.statistics.baseline!.testAccuracy!;
  assert.is(t.n, 2);
  assert.ok(t.ci95![0] < 0.805 && t.ci95![1] > 0.805);
  assert.match(text(a.claims), /Only Baseline learned/);
});

/** Four variants over three seeds with clear separations, ten epochs each. */
function separated(order: Record<string, number>, trainRise = 0.002): RunRecordLike[] {
  return VARIANTS.flatMap((v) => [0, 1, 2].map((seed) => run(v, seed, Array.from({ length: 10 }, (_, i) => {
    const base = order[v]! + 0.001 * seed;
    // Validation peaks at epoch 8, so choosing by it is a real choice.
    const validation = base + (i <= 7 ? 0.0005 * i : 0.0035 - 0.0002 * (i - 7));
    return epoch(i + 1, base + 0.05 + trainRise * i, base + 0.0005 * i, validation);
  }))));
}

claims("the original's conclusions: supported when established, contradicted when the opposite is", () => {
  const supported = analyze(study(separated({ baseline: 0.87, dropout: 0.84, 'weight-decay': 0.86, batchnorm: 0.93 })));
  const v = Object.fromEntries(supported.verdicts.map((x) => [x.claim, x.verdict]));
  assert.is(v['Batch norm is best on both train and test accuracy.'], 'supported');
  assert.is(v['Dropout is worst on train and test accuracy, even below the baseline.'], 'supported');
  assert.is(v["Batch norm's train accuracy is almost perfect and still rising."], 'supported');
  assert.is(v['The validation set can choose the optimizer and the number of epochs (its best epoch is as good on test).'], 'supported');
  assert.match(text(supported.claims), /Batch norm is best on test accuracy .* established against every other variant/);
  assert.is(supported.warnings.length, 0);

  const contradicted = analyze(study(separated({ baseline: 0.87, dropout: 0.90, 'weight-decay': 0.86, batchnorm: 0.80 }, -0.002)));
  const w = Object.fromEntries(contradicted.verdicts.map((x) => [x.claim, x.verdict]));
  assert.is(w['Batch norm is best on both train and test accuracy.'], 'contradicted');
  assert.is(w['Dropout is worst on train and test accuracy, even below the baseline.'], 'contradicted');
  assert.is(w["Batch norm's train accuracy is almost perfect and still rising."], 'contradicted');
  assert.ok(contradicted.verdicts.every((x) => x.evidence.length > 20));
});

claims('best-validation epoch: its test accuracy is reported, and an epoch far worse on test contradicts the choice', () => {
  const runs = VARIANTS.map((v) => run(v, 0, [epoch(1, 0.8, 0.80, 0.90), epoch(2, 0.85, 0.88, 0.85)]));
  const a = analyze(study(runs));
  const best = a.bestValidation.find((b) => b.variant === 'baseline')!;
  assert.equal([best.epoch, best.testAccuracy, best.finalTestAccuracy], [1, 0.8, 0.88]);
  assert.is(a.verdicts.at(-1)!.verdict, 'contradicted');
  assert.match(a.verdicts.at(-1)!.evidence, /best validation at epoch 1 \(90\.00%\), test there 80\.00% vs 88\.00% at the last epoch/);
  const one = analyze(study(VARIANTS.map((v) => run(v, 0, [epoch(1, 0.8, 0.8, 0.8)]))));
  assert.is(one.verdicts.at(-1)!.verdict, 'not established');
  // 40 test images: ±18 pp of noise hides any cost of choosing by validation.
  const small = analyze(study(VARIANTS.map((v) => run(v, 0, [epoch(1, 0.8, 0.80, 0.90), epoch(2, 0.85, 0.82, 0.85)])), { train: 100, validation: 20, test: 40 }));
  assert.is(small.verdicts.at(-1)!.verdict, 'not established');
  assert.match(small.verdicts.at(-1)!.evidence, /too small to tell/);
});

claims.run();
