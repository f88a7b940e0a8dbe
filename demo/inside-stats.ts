/**
 * The numbers behind the "Look inside" section, apart from any drawing: each weight layer's L2
 * norm, histograms on bins shared across variants (so a narrower spread reads as one), and the
 * grey level of a value on a symmetric scale.
 */

/** The layers whose weights are shown: every conv and linear layer of LeNet-5, in order. */
export const WEIGHT_LAYERS = ['conv1', 'conv2', 'conv3', 'fc1', 'fc2'] as const;

export function l2Norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return Math.sqrt(sum);
}

export function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]!));
  return max;
}

export interface Histogram {
  /** bins + 1 edges from −range to +range. */
  edges: number[];
  /** The share of the values in each bin (they sum to 1). */
  shares: number[];
}

/** `bins` equal bins over [−range, range]; values at or beyond the ends count in the end bins. */
export function histogram(values: ArrayLike<number>, range: number, bins: number): Histogram {
  const width = (2 * range) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const bin = range > 0 ? Math.floor((values[i]! + range) / width) : Math.floor(bins / 2);
    counts[Math.min(bins - 1, Math.max(0, bin))]! += 1;
  }
  return {
    edges: Array.from({ length: bins + 1 }, (_, i) => -range + i * width),
    shares: counts.map((c) => (values.length ? c / values.length : 0)),
  };
}

/** 0 is mid grey, +scale white, −scale black; beyond ±scale clamps. */
export function grey(value: number, scale: number): number {
  const t = scale > 0 ? Math.max(-1, Math.min(1, value / scale)) : 0;
  return Math.round(127.5 + 127.5 * t);
}
