/**
 * A dataset resident on the GPU: pixels as packed bytes (4 per u32, a quarter of f32's memory)
 * and labels as u32, uploaded once and shared by every trainer of one engine. Batches are
 * gathered from here by the BatchGather kernel, so no image crosses the bus during training.
 */
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import type { Dataset } from './dataset.ts';
import { CLASSES, DatasetError, IMAGE_SIZE, type LabelledImages } from './idx.ts';

/** Pack bytes little-endian into u32 words, as shaders/batch-gather.wgsl unpacks them. */
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

/** Datasets may be built from typed arrays by hand, so check the shape the kernels assume. */
export function checkImages(label: string, set: LabelledImages): void {
  const { count, rows, cols, images, labels } = set;
  const fail = (what: string) => { throw new DatasetError(`${label} set: ${what}`); };
  if (!Number.isInteger(count) || count <= 0) fail(`count must be a positive integer, got ${count}`);
  if (rows !== IMAGE_SIZE || cols !== IMAGE_SIZE) fail(`images are ${rows}×${cols}, expected ${IMAGE_SIZE}×${IMAGE_SIZE}`);
  if (!(images instanceof Uint8Array)) fail('images must be a Uint8Array of 0–255 pixels');
  if (images.length !== count * rows * cols) fail(`${images.length} pixels for ${count} images of ${rows}×${cols} (expected ${count * rows * cols})`);
  if (!(labels instanceof Uint8Array) || labels.length !== count) fail(`needs a Uint8Array of ${count} labels, got ${labels?.length ?? 'none'}`);
  const bad = labels.findIndex((v) => v >= CLASSES);
  if (bad >= 0) fail(`label ${labels[bad]} at index ${bad} is outside 0–${CLASSES - 1}`);
}

export function uploadImages(gpu: Gpu, label: string, set: LabelledImages): ResidentImages {
  const pixels = gpu.tensor(`${label}.pixels`, [Math.ceil(set.images.length / 4)], 'u32', packBytes(set.images));
  const labels = gpu.tensor(`${label}.labels`, [set.count], 'u32', set.labels);
  return { count: set.count, pixels, labels };
}

/** A shared, resident copy of a dataset: several trainers (the four variants) can use one. */
export interface ResidentDataset {
  dataset: Dataset;
  train: ResidentImages;
  test: ResidentImages;
}

export function uploadDataset(gpu: Gpu, dataset: Dataset): ResidentDataset {
  // Both sets are checked before either is uploaded, so a bad dataset leaves no buffer behind.
  checkImages('train', dataset.train);
  checkImages('test', dataset.test);
  return { dataset, train: uploadImages(gpu, 'train', dataset.train), test: uploadImages(gpu, 'test', dataset.test) };
}

/** Free a dataset's GPU buffers (trainers using it can no longer train or evaluate). */
export function disposeDataset(gpu: Gpu, data: ResidentDataset): void {
  for (const images of [data.train, data.test]) {
    gpu.release(images.pixels);
    gpu.release(images.labels);
  }
}

/** A dataset is usable by an engine while that engine tracks its buffers: not disposed, not another device's. */
export function isResidentOn(gpu: Gpu, data: ResidentDataset): boolean {
  return gpu.trackedBuffers.has(data.train.pixels.buffer);
}
