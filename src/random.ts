/**
 * Counter-based random numbers, identical on the GPU (shaders/dropout.wgsl) and here: the PCG
 * hash of a 32-bit counter (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020).
 * Math.imul and >>> 0 keep every step in unsigned 32-bit arithmetic, as WGSL's u32 does.
 */

export function pcgHash(input: number): number {
  const state = (Math.imul(input >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Uniform float in [0, 1) from the top 24 bits of a hash, as the shader computes it. */
export function hashToUnit(hash: number): number {
  return (hash >>> 8) / 16777216;
}

/**
 * Hash of the counter (seed, step, layer, index), mixed one field at a time. Dropout draws its
 * mask from this on the GPU, and the CPU reference reproduces the mask bit for bit.
 */
export function counterHash(seed: number, step: number, layer: number, index: number): number {
  let h = pcgHash(index);
  h = pcgHash((h + layer) >>> 0);
  h = pcgHash((h + step) >>> 0);
  return pcgHash((h + seed) >>> 0);
}

/** A seeded stream of uniform numbers in [0, 1): hash of (seed, counter). For init and shuffles. */
export class SeededRandom {
  private counter = 0;
  private readonly key: number;

  constructor(seed: number) {
    this.key = pcgHash(seed >>> 0);
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number {
    const hash = pcgHash((this.key + pcgHash(this.counter++)) >>> 0);
    return hash / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[] | Uint32Array): typeof items {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}
