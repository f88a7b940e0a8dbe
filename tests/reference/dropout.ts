/**
 * Reference of inverted dropout. The mask comes from the same counter hash as the GPU
 * (src/random.ts); the scale is 1/(1 − p) rounded to f32, the value the op uploads.
 */
import { counterHash, hashToUnit } from '../../src/random.ts';

export interface DropoutDraw {
  p: number;
  seed: number;
  step: number;
  layer: number;
}

/** Element i is kept iff the hash of (seed, step, layer, i) maps to a unit value ≥ p. */
export function dropoutMask(count: number, d: DropoutDraw): boolean[] {
  return Array.from({ length: count }, (_, i) => hashToUnit(counterHash(d.seed, d.step, d.layer, i)) >= d.p);
}

export function dropoutScale(p: number): number {
  return Math.fround(1 / (1 - p));
}

export function dropoutForward(x: number[], d: DropoutDraw): number[] {
  const scale = dropoutScale(d.p);
  const mask = dropoutMask(x.length, d);
  return x.map((v, i) => (mask[i] ? v * scale : 0));
}

/** The Jacobian is diagonal (mask · scale), so backward is the same map applied to dy. */
export function dropoutBackward(dy: number[], d: DropoutDraw): number[] {
  return dropoutForward(dy, d);
}
