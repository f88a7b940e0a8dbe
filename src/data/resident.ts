/**
 * A dataset resident on the GPU: pixels as packed bytes (4 per u32, a quarter of f32's memory),
 * labels as u32, and the index lists of the train/validation/test splits. Batches are gathered
 * from here by the BatchGather kernel, so no image crosses the bus during training.
 */
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import type { LabelledImages } from './idx.ts';

/** Pack bytes little-endian into u32 words, as shaders/data.wgsl unpacks them. */
export function packBytes(bytes: Uint8Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(bytes.length / 4));
  new Uint8Array(words.buffer).set(bytes);
  return words;
}

export interface ResidentImages {
  count: number;
  pixels: Tensor;
  labels: Tensor;
}

export function uploadImages(gpu: Gpu, label: string, set: LabelledImages): ResidentImages {
  const pixels = gpu.tensor(`${label}.pixels`, [Math.ceil(set.images.length / 4)], 'u32', packBytes(set.images));
  const labels = gpu.tensor(`${label}.labels`, [set.count], 'u32', set.labels);
  return { count: set.count, pixels, labels };
}
