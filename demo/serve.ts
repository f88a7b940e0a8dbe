/**
 * npm start: serves the built demo and the datasets on http://127.0.0.1:8080 (PORT and HOST
 * override; WebGPU needs a secure origin, and loopback is one). Datasets are looked for in
 * ./data/<name>/ and /usr/share/datasets/<name>/, or FASHION_MNIST_DIR / MNIST_DIR.
 * Exit codes: 1 the page is not built or the port cannot be had, 2 an invalid PORT or HOST.
 */
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { findDatasetDir } from '../cli/datasets.ts';
import { DATASET_NAMES, type DatasetName } from '../src/data/dataset.ts';
import { createDemoServer, parseHost, parsePort } from './server.ts';

const ROOT = 'dist/demo';
const ENV_NAMES: Record<DatasetName, string> = { 'fashion-mnist': 'FASHION_MNIST_DIR', mnist: 'MNIST_DIR' };

let host: string;
let port: number;
try {
  host = parseHost(process.env.HOST, '127.0.0.1');
  port = parsePort(process.env.PORT, 8080);
} catch (error) {
  console.error(`serve: ${(error as Error).message}`);
  process.exit(2);
}
if (!existsSync(`${ROOT}/index.html`)) {
  console.error(`serve: ${ROOT}/index.html is missing; build the page first (npm run build, or npm start which builds and serves)`);
  process.exit(1);
}

const datasets: Partial<Record<DatasetName, string>> = {};
const missing: string[] = [];
for (const name of DATASET_NAMES) {
  try {
    datasets[name] = findDatasetDir(name, process.env[ENV_NAMES[name]] || undefined);
  } catch (error) {
    missing.push(`${(error as Error).message} (for this server: ${ENV_NAMES[name]}=DIR); the page can still load it from a URL or local files`);
  }
}

const server = createDemoServer({ root: ROOT, datasets });
server.on('error', (error: NodeJS.ErrnoException) => {
  // A host name that resolves to nothing here, or an address this machine does not have, is bad input too.
  const badHost = error.code === 'ENOTFOUND' || error.code === 'EADDRNOTAVAIL' || error.code === 'EAI_AGAIN';
  console.error(`serve: cannot listen on ${host}:${port}: ${error.message}${badHost ? ' (check HOST)' : ''}`);
  process.exit(badHost ? 2 : 1);
});
server.listen(port, host, () => {
  const { port: actual } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  for (const [name, dir] of Object.entries(datasets)) console.log(`${name}: ${dir}`);
  for (const message of missing) console.log(message);
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    console.log('note: browsers offer WebGPU only on https:// or localhost pages; from another machine, use an SSH tunnel or HTTPS');
  }
  console.log(`demo on http://${shown}:${actual}/`);
});
