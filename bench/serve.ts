/**
 * The benchmark's 127.0.0.1 server: the dataset's four IDX files under /data/ and, for the
 * browser, the bench page (WebGPU needs a secure origin, which 127.0.0.1 is), the tfjs-wasm
 * peers' worker script and TF.js's three .wasm binaries under /wasm/. Every response carries
 * COOP same-origin and COEP require-corp: the page is cross-origin isolated, which the WASM
 * backend's threads (SharedArrayBuffer) need.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IDX_FILES } from '../src/data/dataset.ts';

export interface PageScripts {
  page: string;
  wasmWorker: string;
}

const WASM_BINARIES = new Set(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']);
const wasmDir = () => join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

export async function serve(dataDir: string, scripts?: PageScripts): Promise<{ server: http.Server; origin: string }> {
  const files = new Set<string>(Object.values(IDX_FILES));
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (type: string, body: string | Buffer) => void res.writeHead(200, { 'content-type': type, ...ISOLATION }).end(body);
    if (scripts && path === '/') return send('text/html', '<!doctype html><meta charset="utf-8"><script type="module" src="/bench.js"></script>');
    if (scripts && path === '/bench.js') return send('text/javascript', scripts.page);
    if (scripts && path === '/wasm-worker.js') return send('text/javascript', scripts.wasmWorker);
    // Only known files are served, by exact name: no path from the URL reaches the disk.
    const wasm = path.startsWith('/wasm/') ? path.slice('/wasm/'.length) : '';
    if (WASM_BINARIES.has(wasm)) return send('application/wasm', readFileSync(join(wasmDir(), wasm)));
    const file = path.startsWith('/data/') ? path.slice('/data/'.length) : '';
    if (files.has(file)) return send('application/gzip', readFileSync(`${dataDir}/${file}`));
    res.writeHead(404, ISOLATION).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
