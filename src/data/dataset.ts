/** Datasets: where the four IDX files come from, and the seeded train/validation split. */
import { SeededRandom } from '../random.ts';
import { DatasetError, loadIdxPair, type LabelledImages } from './idx.ts';

export type DatasetName = 'fashion-mnist' | 'mnist';

export const DATASET_NAMES: readonly DatasetName[] = ['fashion-mnist', 'mnist'];

/** The file names both datasets are distributed under. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

export type IdxFileKey = keyof typeof IDX_FILES;

export const CLASS_NAMES: Record<DatasetName, readonly string[]> = {
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
};

export interface Dataset {
  name: string;
  classNames: readonly string[];
  train: LabelledImages;
  test: LabelledImages;
}

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

export type DatasetBytes = Record<IdxFileKey, NamedBytes>;

/** Decode all four files; either every file is valid and a Dataset comes back, or nothing does. */
export async function datasetFromBytes(name: string, files: DatasetBytes): Promise<Dataset> {
  const [train, test] = await Promise.all([
    loadIdxPair(files.trainImages, files.trainLabels),
    loadIdxPair(files.testImages, files.testLabels),
  ]);
  const classNames = CLASS_NAMES[name as DatasetName] ?? Array.from({ length: 10 }, (_, i) => String(i));
  return { name, classNames, train, test };
}

/** Fetch the four files from `baseUrl` (e.g. "/data/fashion-mnist/"). */
export async function datasetFromUrl(name: string, baseUrl: string, fetchImpl: typeof fetch = fetch): Promise<Dataset> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const entries = await Promise.all(
    (Object.keys(IDX_FILES) as IdxFileKey[]).map(async (key) => {
      const url = base + IDX_FILES[key];
      let response: Response;
      try {
        response = await fetchImpl(url);
      } catch (error) {
        throw new DatasetError(`${url}: could not be fetched (${(error as Error).message})`);
      }
      if (!response.ok) throw new DatasetError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
      return [key, { name: url, bytes: new Uint8Array(await response.arrayBuffer()) }] as const;
    }),
  );
  return datasetFromBytes(name, Object.fromEntries(entries) as DatasetBytes);
}

/** Local files a user picked (File objects, or any Blob with a name). */
export async function datasetFromBlobs(name: string, blobs: Record<IdxFileKey, Blob & { name?: string }>): Promise<Dataset> {
  const entries = await Promise.all(
    (Object.keys(IDX_FILES) as IdxFileKey[]).map(async (key) => {
      const blob = blobs[key];
      if (!blob) throw new DatasetError(`missing file for ${key} (${IDX_FILES[key]})`);
      return [key, { name: blob.name ?? IDX_FILES[key], bytes: new Uint8Array(await blob.arrayBuffer()) }] as const;
    }),
  );
  return datasetFromBytes(name, Object.fromEntries(entries) as DatasetBytes);
}

export interface TrainValidationSplit {
  /** Indices into the training images used for training. */
  train: Uint32Array;
  /** Indices into the training images held out for validation, in ascending order. */
  validation: Uint32Array;
}

/** Hold out `validationCount` of `count` training images, chosen by a seeded shuffle. */
export function splitTrainValidation(count: number, validationCount: number, seed: number): TrainValidationSplit {
  if (!Number.isInteger(validationCount) || validationCount < 0 || validationCount >= count) {
    throw new RangeError(`validation size must be an integer in [0, ${count - 1}], got ${validationCount}`);
  }
  const order = new Uint32Array(count).map((_, i) => i);
  new SeededRandom(seed).shuffle(order);
  return {
    train: order.slice(validationCount),
    validation: order.slice(0, validationCount).sort(),
  };
}
