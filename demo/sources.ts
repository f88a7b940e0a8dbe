/**
 * Where the page gets a dataset: the server's data folder (or wherever `?data=` points, for a
 * static host), any URL of a folder with the four IDX files, or files the user picks (gz or raw).
 */
import { datasetFromBlobs, datasetFromUrl, IDX_FILES, type Dataset, type DatasetName, type IdxFileKey } from '../src/data/dataset.ts';
import { DatasetError } from '../src/data/idx.ts';

export const DATASET_LABELS: Record<DatasetName, string> = { 'fashion-mnist': 'Fashion-MNIST', mnist: 'MNIST' };

export type Source =
  | { kind: 'server' }
  | { kind: 'url'; url: string }
  | { kind: 'files'; files: readonly File[] };

/** The folder holding `fashion-mnist/` and `mnist/`: `?data=` when given, else `data/` beside the page. */
export function dataBase(pageUrl: string): URL {
  const url = new URL(pageUrl);
  return new URL(url.searchParams.get('data') || 'data/', url);
}

// Both the distributed names (train-images-idx3-ubyte.gz) and common variants (train-images.idx3-ubyte, test-…).
const PATTERNS: Record<IdxFileKey, RegExp> = {
  trainImages: /train-images/i,
  trainLabels: /train-labels/i,
  testImages: /(t10k|test)-images/i,
  testLabels: /(t10k|test)-labels/i,
};

/** Match picked files to the four roles by name; refuses a missing or doubled role. */
export function assignFiles(files: readonly File[]): Record<IdxFileKey, File> {
  const assigned: Partial<Record<IdxFileKey, File>> = {};
  for (const key of Object.keys(PATTERNS) as IdxFileKey[]) {
    const matches = files.filter((f) => PATTERNS[key].test(f.name));
    if (matches.length > 1) throw new DatasetError(`${matches.map((f) => f.name).join(' and ')} both look like ${IDX_FILES[key]}; pick one`);
    if (matches[0]) assigned[key] = matches[0];
  }
  const missing = (Object.keys(PATTERNS) as IdxFileKey[]).filter((k) => !assigned[k]);
  if (missing.length) {
    throw new DatasetError(`pick the four IDX files (gz or raw); missing ${missing.map((k) => IDX_FILES[k].replace(/\.gz$/, '')).join(', ')}`);
  }
  return assigned as Record<IdxFileKey, File>;
}

/** A name for where the data came from, for the export. */
export function describeSource(source: Source, name: DatasetName, pageUrl: string): string {
  if (source.kind === 'server') return new URL(`${name}/`, dataBase(pageUrl)).href;
  if (source.kind === 'url') return source.url;
  return `local files: ${source.files.map((f) => f.name).join(', ')}`;
}

export async function loadDataset(name: DatasetName, source: Source, pageUrl: string): Promise<Dataset> {
  if (source.kind === 'files') return datasetFromBlobs(name, assignFiles(source.files));
  const url = source.kind === 'server' ? new URL(`${name}/`, dataBase(pageUrl)).href : new URL(source.url, pageUrl).href;
  return datasetFromUrl(name, url);
}
