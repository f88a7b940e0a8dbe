/** Batch gather + normalisation from the GPU-resident dataset (shaders/batch-gather.wgsl). */
import shader from '../../shaders/batch-gather.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectDType, expectShape, type Tensor } from '../gpu/tensor.ts';
import { checkStepLayout } from './step.ts';
import { positiveIntegers, refuse } from './validate.ts';

export interface BatchGatherConfig {
  batch: number;
  /** Pixels per image; a multiple of 4 (they are packed 4 per u32). */
  pixels: number;
  /** Images in the resident dataset. */
  images: number;
  /** x = pixel · scale + shift. */
  scale: number;
  shift: number;
}

export class BatchGather {
  private readonly kernel: Kernel;
  private readonly params: GPUBuffer;

  constructor(gpu: Gpu, readonly config: BatchGatherConfig) {
    positiveIntegers('BatchGather', config, ['batch', 'pixels', 'images']);
    if (config.pixels % 4 !== 0) refuse('BatchGather', `pixels per image must be a multiple of 4, got ${config.pixels}`);
    this.kernel = gpu.kernel(shader, 'gather_batch');
    checkStepLayout(this.kernel);
    this.params = gpu.uniform('gather.params', this.kernel.packUniform('params', {
      batch: config.batch,
      words_per_image: config.pixels / 4,
      images: config.images,
      scale: config.scale,
      shift: config.shift,
    }));
  }

  /**
   * x[b] = normalise(pixels[order[batch_start + b]]), y[b] = labels[order[batch_start + b]].
   * `pixels` is packBytes() (src/data/resident.ts) of the images, `order` holds at least batch_start + batch indices.
   */
  gather(pixels: Tensor, labels: Tensor, order: Tensor, step: GPUBuffer, x: Tensor, y: Tensor): Dispatch[] {
    const { batch, pixels: perImage, images } = this.config;
    for (const [name, t] of [['pixels', pixels], ['labels', labels], ['order', order], ['y', y]] as const) expectDType('batch gather', name, t, 'u32');
    expectShape('batch gather', 'pixels', pixels, [images * perImage / 4]);
    expectShape('batch gather', 'labels', labels, [images]);
    expectShape('batch gather', 'y', y, [batch]);
    if (x.size !== batch * perImage) throw new RangeError(`batch gather: x has ${x.size} elements, expected ${batch}·${perImage}`);
    const bindGroup = this.kernel.bind({ params: this.params, step, pixels, labels, order, x, y });
    return [this.kernel.dispatchThreads(bindGroup, batch * perImage / 4)];
  }
}
