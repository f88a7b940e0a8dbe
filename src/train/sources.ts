/**
 * Which images a trainer uses: the seeded train/validation split, the test limit, and the index
 * lists on the GPU that its plans walk through; and images of the caller's, uploaded for one call.
 */
import { splitTrainValidation } from '../data/dataset.ts';
import { uploadImages, type ResidentDataset, type ResidentImages } from '../data/resident.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import { INPUT_SIZE } from '../model/lenet.ts';
import type { TrainerOptions } from './options.ts';
import type { DataSource } from './plan.ts';

export interface Splits {
  /** Indices into the training images: trained on, and held out for validation (ascending). */
  train: Uint32Array;
  validation: Uint32Array;
  /** The first `testCount` test images are evaluated. */
  testCount: number;
}

export interface Sources {
  train: DataSource;
  validation: DataSource | null;
  test: DataSource;
}

/** The split of `data` for options `o`, refused up front where it leaves nothing to train on. */
export function splitsFor(data: ResidentDataset, o: TrainerOptions): Splits {
  const available = o.trainLimit > 0 ? Math.min(o.trainLimit, data.train.count) : data.train.count;
  if (o.validationSize >= available) {
    throw new RangeError(`validation size ${o.validationSize} leaves no training images out of ${available}`);
  }
  const split = splitTrainValidation(available, o.validationSize, o.seed);
  const testCount = o.testLimit > 0 ? Math.min(o.testLimit, data.test.count) : data.test.count;
  checkBatchNormBatches(split.train.length, o);
  return { ...split, testCount };
}

/** Batch norm needs two values per channel: refuse a partial last batch of one sample up front. */
function checkBatchNormBatches(trainSize: number, o: TrainerOptions): void {
  if (!o.variant.batchNorm) return;
  const remainder = trainSize % o.batchSize;
  if (o.batchSize < 2 || (remainder === 1 && !o.dropLast)) {
    throw new RangeError(
      `batch norm needs at least 2 samples per training batch; ${trainSize} training images in batches of ` +
        `${o.batchSize} leave a last batch of 1 — use dropLast or another batch size`,
    );
  }
}

/** Each split's images and its index list on the GPU (the training one is rewritten with every epoch's shuffle). */
export function uploadSources(gpu: Gpu, data: ResidentDataset, splits: Splits): Sources {
  const order = (name: string, indices: Uint32Array | number) =>
    gpu.tensor(`order.${name}`, [typeof indices === 'number' ? indices : Math.max(1, indices.length)], 'u32',
      typeof indices === 'number' ? Uint32Array.from({ length: indices }, (_, i) => i) : indices);
  const source = (name: string, images: ResidentImages, orderTensor: Tensor): DataSource =>
    ({ name, pixels: images.pixels, labels: images.labels, order: orderTensor, images: images.count });
  return {
    train: source('train', data.train, order('train', splits.train)),
    validation: splits.validation.length ? source('validation', data.train, order('validation', splits.validation)) : null,
    test: source('test', data.test, order('test', splits.testCount)),
  };
}

/**
 * Run `use` on `images` (count·784 pixels, 0–255, row-major, as in IDX files; exactly one image
 * when `single`) uploaded as a source of their own, in order, freed when it settles. `what` names
 * the call in buffer labels and errors.
 */
export async function withImages<T>(gpu: Gpu, what: string, images: Uint8Array, single: boolean, use: (source: DataSource) => Promise<T>): Promise<T> {
  const perImage = INPUT_SIZE * INPUT_SIZE;
  const count = images?.length / perImage;
  if (!(images instanceof Uint8Array) || !(single ? count === 1 : count >= 1 && Number.isInteger(count))) {
    const expected = single ? `${perImage} pixels (one 28×28 image)` : `count·${perImage} pixels (28×28 images)`;
    throw new RangeError(`${what}: expected a Uint8Array of ${expected}, got ${images?.length ?? 'none'} values`);
  }
  const uploaded = uploadImages(gpu, what, { count, rows: INPUT_SIZE, cols: INPUT_SIZE, images, labels: new Uint8Array(count) });
  const order = gpu.tensor(`${what}.order`, [count], 'u32', Uint32Array.from({ length: count }, (_, i) => i));
  try {
    return await use({ name: `${what}×${count}`, pixels: uploaded.pixels, labels: uploaded.labels, order, images: count });
  } finally {
    for (const t of [uploaded.pixels, uploaded.labels, order]) gpu.release(t);
  }
}
