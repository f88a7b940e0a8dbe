/**
 * The demo's server: the built page (dist/demo) through sirv, and each dataset's four IDX files
 * under /data/<dataset>/. Nothing else: sirv serves only the files it listed at start, and the
 * dataset route matches exact file names, so no part of a URL ever becomes a path on disk —
 * `/../`, encoded traversals and absolute paths all end in 404. A request never takes the server
 * down: a dataset file that vanished, is a folder or cannot be read is answered 404/500 and logged.
 */
import http from 'node:http';
import { isIP } from 'node:net';
import sirv from 'sirv';
import { sendIdxFile } from '../cli/datasets.ts';
import { DATASET_NAMES, IDX_FILES, type DatasetName } from '../src/data/dataset.ts';

export interface DemoServerOptions {
  /** The built page's folder. */
  root: string;
  /** Folder holding each available dataset's four IDX files (.gz or raw). */
  datasets: Partial<Record<DatasetName, string>>;
  /** Where a failed request is reported (default: stderr). */
  log?: (line: string) => void;
}

const DATASET_FILE = new RegExp(`^/data/(${DATASET_NAMES.join('|')})/(${Object.values(IDX_FILES).join('|').replace(/\./g, '\\.')})$`);

const text = (res: http.ServerResponse, status: number, body: string) => {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${body}\n`);
};

export function createDemoServer(options: DemoServerOptions): http.Server {
  // Without `dev`, sirv lists the folder once at start and serves only those files.
  const page = sirv(options.root, { etag: true });
  const log = options.log ?? ((line: string) => console.error(line));
  const notFound = (res: http.ServerResponse) => text(res, 404, 'not found');
  return http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    const match = DATASET_FILE.exec(req.url?.split('?')[0] ?? '');
    if (match) {
      const dir = options.datasets[match[1] as DatasetName];
      return dir ? sendIdxFile(req, res, dir, match[2]!, (line) => log(`demo server: ${line}`)) : notFound(res);
    }
    if (req.url?.startsWith('/data/')) return notFound(res);
    page(req, res, () => void notFound(res));
  });
}

/** PORT as the listen port, or an Error that names the variable, the value and the valid range. */
export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new Error(`PORT=${value} is not a port; use an integer in 0–65535 (0 picks a free one)`);
  return n;
}

/** HOST as a listen address: an IP address or a host name, or an Error naming the variable and value. */
export function parseHost(value: string | undefined, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  if (isIP(value) || /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(value)) return value;
  throw new Error(`HOST=${value} is not an IP address or host name; use e.g. 127.0.0.1 (the default), ::1 or 0.0.0.0`);
}
