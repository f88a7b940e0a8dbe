/** Inverted dropout, forward and backward (shaders/dropout.wgsl). */
import shader from '../../shaders/dropout.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectShape, type Tensor } from '../gpu/tensor.ts';
import { checkStepLayout } from './step.ts';
import { refuse, shapeSize } from './validate.ts';

/** The shader's ELEMS. */
const ELEMENTS_PER_INVOCATION = 4;
/** hashToUnit keeps the top 24 bits of the hash: unit values are multiples of 2^-24. */
const UNIT_STEPS = 2 ** 24;

export interface DropoutConfig {
  /** Shape of the activations (any rank). */
  shape: readonly number[];
  /** Drop probability, in [0, 1). */
  p: number;
  /** u32 id of this dropout layer, so layers sharing a step draw independent masks. */
  layer: number;
}

/**
 * Training-mode inverted dropout: element i is kept iff
 * hashToUnit(counterHash(seed, step, layer, i)) ≥ p (src/random.ts), kept elements are scaled by
 * 1/(1 − p) and dropped ones are 0. Seed and step come from the shared Step uniform, so the mask
 * changes every step without any CPU work; backward recomputes it. p = 0 is the identity.
 */
export class Dropout {
  readonly shape: readonly number[];
  readonly count: number;
  readonly p: number;
  readonly layer: number;
  /** 1/(1 − p) as the f32 the GPU multiplies by. */
  readonly scale: number;
  private readonly kernel: Kernel;
  private readonly params: GPUBuffer;

  constructor(gpu: Gpu, config: DropoutConfig) {
    const { shape, p, layer } = config;
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
      refuse('Dropout', `p must be a number in [0, 1), got ${p}`);
    }
    if (!Number.isInteger(layer) || layer < 0 || layer > 0xffffffff) {
      refuse('Dropout', `layer must be an integer in [0, 2^32 − 1], got ${layer}`);
    }
    this.shape = [...shape];
    this.count = shapeSize('Dropout', 'shape', shape);
    this.p = p;
    this.layer = layer;
    this.scale = Math.fround(1 / (1 - p));
    this.kernel = gpu.kernel(shader, 'dropout_apply', { ELEMS: ELEMENTS_PER_INVOCATION });
    checkStepLayout(this.kernel);
    this.params = gpu.uniform('dropout.params', this.kernel.packUniform('params', {
      count: this.count,
      layer,
      // p·2^24 is exact in f64; its ceiling is ≤ 2^24, so it fits a u32.
      keep_threshold: Math.ceil(p * UNIT_STEPS),
      scale: this.scale,
    }));
  }

  /** y = x · mask · scale with the mask of `step`'s (seed, step); overwrites y. */
  forward(x: Tensor, y: Tensor, step: GPUBuffer): Dispatch[] {
    expectShape('Dropout forward', 'x', x, this.shape);
    expectShape('Dropout forward', 'y', y, this.shape);
    return [this.launch(x, y, step)];
  }

  /** dx = dy · mask · scale with the forward's mask (same Step values); overwrites dx. */
  backward(dy: Tensor, dx: Tensor, step: GPUBuffer): Dispatch[] {
    expectShape('Dropout backward', 'dy', dy, this.shape);
    expectShape('Dropout backward', 'dx', dx, this.shape);
    return [this.launch(dy, dx, step)];
  }

  private launch(src: Tensor, dst: Tensor, step: GPUBuffer): Dispatch {
    const bindGroup = this.kernel.bind({ params: this.params, step, src, dst });
    return this.kernel.dispatchThreads(bindGroup, Math.ceil(this.count / ELEMENTS_PER_INVOCATION));
  }
}
