/** Where the command-line tools and the demo server look for each dataset's IDX files. */
import { existsSync } from 'node:fs';
import { IDX_FILES, type DatasetName } from '../src/data/dataset.ts';

export const DATASET_DIRS: Record<DatasetName, string[]> = {
  'fashion-mnist': ['data/fashion-mnist', '/usr/share/datasets/fashion-mnist'],
  mnist: ['data/mnist', '/usr/share/datasets/mnist'],
};

export const HOW_TO_GET: Record<DatasetName, string> = {
  'fashion-mnist': 'install it with `apt-get install dataset-fashion-mnist`, or put the four IDX .gz files in ./data/fashion-mnist/',
  mnist: 'put the four MNIST IDX .gz files (train-images-idx3-ubyte.gz, …) in ./data/mnist/, or pass --data-dir',
};

/** The four files' absence, by name (empty when the folder has them all). */
export function missingFiles(dir: string): string[] {
  return Object.values(IDX_FILES).filter((f) => !existsSync(`${dir}/${f}`));
}

/** The first folder with all four files, or an Error that says where it looked and how to get them. */
export function findDatasetDir(name: DatasetName, explicit?: string): string {
  const candidates = explicit ? [explicit] : DATASET_DIRS[name];
  const found = candidates.find((d) => missingFiles(d).length === 0);
  if (found) return found;
  const detail = explicit ? `${explicit} lacks ${missingFiles(explicit).join(', ')}` : `looked in ${candidates.join(' and ')}`;
  throw new Error(`dataset ${name} not found (${detail}); ${HOW_TO_GET[name]}`);
}
