/**
 * The demo's server: the built page (dist/demo) through sirv, and each dataset's four IDX files
 * under /data/<dataset>/. Nothing else: sirv serves only the files it listed at start, and the
 * dataset route matches exact file names, so no part of a URL ever becomes a path on disk —
 * `/../`, encoded traversals and absolute paths all end in 404.
 */
import http from 'node:http';
import sirv from 'sirv';
import { sendIdxFile } from '../cli/datasets.ts';
import { DATASET_NAMES, IDX_FILES, type DatasetName } from '../src/data/dataset.ts';

export interface DemoServerOptions {
  /** The built page's folder. */
  root: string;
  /** Folder holding each available dataset's four IDX files (.gz or raw). */
  datasets: Partial<Record<DatasetName, string>>;
}

const DATASET_FILE = new RegExp(`^/data/(${DATASET_NAMES.join('|')})/(${Object.values(IDX_FILES).join('|').replace(/\./g, '\\.')})$`);

export function createDemoServer(options: DemoServerOptions): http.Server {
  // Without `dev`, sirv lists the folder once at start and serves only those files.
  const page = sirv(options.root, { etag: true });
  const notFound = (res: http.ServerResponse) => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  return http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    const match = DATASET_FILE.exec(req.url?.split('?')[0] ?? '');
    if (match) {
      const dir = options.datasets[match[1] as DatasetName];
      if (!dir) return notFound(res);
      return sendIdxFile(req, res, dir, match[2]!);
    }
    if (req.url?.startsWith('/data/')) return notFound(res);
    page(req, res, () => void notFound(res));
  });
}
