/**
 * The benchmark's 127.0.0.1 server: the dataset's four IDX files under /data/ and, for the
 * browser, the bench page (WebGPU needs a secure origin, which 127.0.0.1 is).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { IDX_FILES } from '../src/data/dataset.ts';

export async function serve(dataDir: string, script?: string): Promise<{ server: http.Server; origin: string }> {
  const files = new Set<string>(Object.values(IDX_FILES));
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (script && path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><script type="module" src="/bench.js"></script>');
    if (script && path === '/bench.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    const file = path.startsWith('/data/') ? path.slice('/data/'.length) : '';
    // Only the four dataset files are served, by exact name: no path from the URL reaches the disk.
    if (files.has(file)) return void res.writeHead(200, { 'content-type': 'application/gzip' }).end(readFileSync(`${dataDir}/${file}`));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
