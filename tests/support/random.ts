/** Seeded test data. Every failing case prints the seed that made it. */
import { SeededRandom } from '../../src/random.ts';

export function randomArray(rng: SeededRandom, count: number, low = -1, high = 1): number[] {
  return Array.from({ length: count }, () => rng.uniform(low, high));
}

/** Round to float32, so the reference sees exactly the values the GPU gets. */
export function f32(values: number[]): number[] {
  return Array.from(Float32Array.from(values));
}

export function randomF32(rng: SeededRandom, count: number, low = -1, high = 1): number[] {
  return f32(randomArray(rng, count, low, high));
}

export function randomInt(rng: SeededRandom, low: number, high: number): number {
  return low + rng.int(high - low + 1);
}

/** Seeds for a suite: fixed by default, overridable with TEST_SEED to reproduce or explore. */
export function suiteSeed(fallback: number): number {
  return process.env.TEST_SEED ? Number(process.env.TEST_SEED) : fallback;
}

/** Deterministic fill for tensors too large to send to the page: ((i mod 2001) − 1000) / 100. */
export const ramp = (i: number): number => ((i % 2001) - 1000) / 100;
