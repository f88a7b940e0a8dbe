/**
 * Uncertainty of the study's numbers. Over several seeds: mean, sample standard deviation and a
 * 95% Student-t interval; between two variants: the difference of means with a 95% Welch
 * interval. A single seed has no seed-to-seed spread to measure, so an accuracy gets only the
 * binomial standard error of the images it was measured on, and says so (`basis`).
 * No DOM and no Node: the CLI's report and the demo page both use it.
 */
import jstat from 'jstat';

/** Where an interval comes from: spread over seeds, or one accuracy's binomial sampling error. */
export type Basis = 'seeds' | 'binomial' | 'none';

export interface Estimate {
  /** Seeds the estimate is over. */
  n: number;
  mean: number;
  /** Sample standard deviation over seeds; null with fewer than two. */
  std: number | null;
  /** 95% interval of the mean; null when nothing bounds it (one seed of a loss). */
  ci95: [number, number] | null;
  basis: Basis;
}

export interface Difference {
  /** mean(a) − mean(b). */
  difference: number;
  ci95: [number, number] | null;
  /** The interval excludes zero. */
  established: boolean;
  basis: Basis;
}

/** The 97.5th percentile of Student's t with `df` degrees of freedom (df may be fractional: Welch). */
export function tCritical(df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  return jstat.jStat.studentt.inv(0.975, df);
}

const Z95 = 1.959963984540054;

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

function sampleVariance(values: readonly number[]): number {
  const m = mean(values);
  return values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1);
}

/**
 * The estimate of a metric from its per-seed values: the Student-t interval over seeds. With one
 * value (or seeds without spread), `binomialImages` (the number of images an accuracy was
 * measured on) gives the binomial interval p ± 1.96·√(p(1−p)/N); without it (a loss) there is no
 * interval. Accuracy intervals are clipped to [0, 1].
 */
export function estimate(values: readonly number[], binomialImages?: number): Estimate {
  if (values.length === 0) throw new RangeError('estimate: no values');
  const m = mean(values);
  const std = values.length > 1 ? Math.sqrt(sampleVariance(values)) : null;
  // Seeds that all agree measure no spread: an accuracy then falls back to its binomial error.
  if (std !== null && std > 0) {
    const half = tCritical(values.length - 1) * std / Math.sqrt(values.length);
    return { n: values.length, mean: m, std, ci95: clip([m - half, m + half], binomialImages), basis: 'seeds' };
  }
  if (binomialImages === undefined) return { n: values.length, mean: m, std, ci95: null, basis: 'none' };
  const half = Z95 * binomialError(m, binomialImages);
  return { n: values.length, mean: m, std, ci95: clip([m - half, m + half], binomialImages), basis: 'binomial' };
}

/** An accuracy's interval stays inside [0, 1]; other metrics are left as they are. */
function clip(ci: [number, number], binomialImages: number | undefined): [number, number] {
  return binomialImages === undefined ? ci : [Math.max(0, ci[0]), Math.min(1, ci[1])];
}

/** Standard error of an accuracy p measured on `images` images. */
export function binomialError(p: number, images: number): number {
  if (!(images >= 1)) throw new RangeError(`binomialError: images must be ≥ 1, got ${images}`);
  return Math.sqrt(Math.max(p * (1 - p), 0) / images);
}

/**
 * mean(a) − mean(b) with its 95% interval: Welch's when both have two or more seeds (established
 * when it excludes zero); with a single seed on either side, the interval of the two accuracies'
 * binomial errors (when `binomialImages` says how many images each was measured on), never
 * established; otherwise no interval.
 */
export function difference(a: readonly number[], b: readonly number[], binomialImages?: number): Difference {
  const d = mean(a) - mean(b);
  if (a.length >= 2 && b.length >= 2) {
    const va = sampleVariance(a) / a.length;
    const vb = sampleVariance(b) / b.length;
    const se = Math.sqrt(va + vb);
    if (se > 0) {
      // Welch–Satterthwaite degrees of freedom.
      const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
      const half = tCritical(df) * se;
      return { difference: d, ci95: [d - half, d + half], established: Math.abs(d) > half, basis: 'seeds' };
    }
    // Identical values on every seed measure no spread at all: fall through to the binomial error.
  }
  if (binomialImages !== undefined) {
    // One seed measures no seed-to-seed variation, so nothing is established; the interval says
    // only whether the difference exceeds what re-drawing the evaluated images could explain.
    const se = Math.hypot(binomialError(mean(a), binomialImages), binomialError(mean(b), binomialImages));
    const half = Z95 * se;
    return { difference: d, ci95: [d - half, d + half], established: false, basis: 'binomial' };
  }
  return { difference: d, ci95: null, established: false, basis: 'none' };
}
