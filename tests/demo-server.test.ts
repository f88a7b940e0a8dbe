/** The demo server: serves the built page and the dataset files only, with their content types. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemo } from '../build.mjs';
import { IDX_FILES } from '../src/data/dataset.ts';
import { createDemoServer } from '../demo/server.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('demo server');

const base = mkdtempSync(join(tmpdir(), 'lenet-serve-'));
const root = join(base, 'page');
const dataDir = join(base, 'fashion');
writeFileSync(join(base, 'secret.txt'), 'outside the served folders');
let origin = '';
let server: http.Server;

/** GET with the path sent exactly as given (no client-side normalization). */
function get(path: string, port = Number(new URL(origin).port)): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test.before(async () => {
  await buildDemo(root);
  mkdirSync(dataDir);
  const data = syntheticDataset(20, 10, 1);
  for (const [key, file] of Object.entries(IDX_FILES)) writeFileSync(join(dataDir, file), Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64'));
  server = createDemoServer({ root, datasets: { 'fashion-mnist': dataDir } });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(() => {
  server.close();
  rmSync(base, { recursive: true, force: true });
});

test('serves the page with correct content types', async () => {
  const page = await get('/');
  assert.is(page.status, 200);
  assert.match(page.headers['content-type']!, /^text\/html/);
  assert.match(page.body.toString(), /<script type="module" src="\.\/main\.js">/);
  assert.match((await get('/main.js')).headers['content-type']!, /^text\/javascript/);
  assert.match((await get('/style.css')).headers['content-type']!, /^text\/css/);
  assert.match((await get('/index.html?data=https://example.org/')).headers['content-type']!, /^text\/html/);
});

test('serves the dataset files as the gzip bytes they are', async () => {
  const file = await get('/data/fashion-mnist/train-images-idx3-ubyte.gz');
  assert.is(file.status, 200);
  assert.is(file.headers['content-type'], 'application/gzip');
  assert.is(file.headers['content-encoding'], undefined);
  assert.ok(file.body.equals(readFileSync(join(dataDir, 'train-images-idx3-ubyte.gz'))));
  assert.is((await get('/data/mnist/train-images-idx3-ubyte.gz')).status, 404, 'a dataset the server lacks');
  assert.is((await get('/data/fashion-mnist/')).status, 404, 'no listing');
});

test('anything outside the page and the dataset files is 404', async () => {
  const attempts = [
    '/../secret.txt', '/../../etc/passwd', '/%2e%2e/secret.txt', '/%2E%2E%2Fsecret.txt', '/..%2fsecret.txt', '/..%5csecret.txt',
    '/.%2e/secret.txt', '/main.js/../../secret.txt', '/data/fashion-mnist/../../secret.txt', '/data/fashion-mnist/%2e%2e/%2e%2e/secret.txt',
    '/data/fashion-mnist/..%2f..%2fsecret.txt', `/${join(base, 'secret.txt')}`, `/${encodeURIComponent(join(base, 'secret.txt'))}`,
    '//etc/passwd', '/etc/passwd', `/data/fashion-mnist/${encodeURIComponent(join(dataDir, IDX_FILES.testImages))}`, '/data/../secret.txt',
    'http://evil.example/../secret.txt', '/nothing-here.html',
  ];
  for (const path of attempts) {
    const res = await get(path);
    assert.is(res.status, 404, path);
    assert.not.match(res.body.toString(), /outside the served folders/, path);
  }
});

test('npm start’s server: 127.0.0.1 by default, PORT from the environment, prints the URL and missing datasets', async () => {
  await buildDemo('dist/demo');
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/serve.ts'], {
    env: { ...process.env, PORT: '0', HOST: '', FASHION_MNIST_DIR: dataDir, MNIST_DIR: join(base, 'no-mnist') },
  });
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /demo on (http:\/\/\S+\/)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(output, new RegExp(`fashion-mnist: ${dataDir}`));
    assert.match(output, /dataset mnist not found .*no-mnist lacks train-images-idx3-ubyte\.gz/);
    const port = Number(new URL(url).port);
    assert.is((await get('/', port)).status, 200);
    assert.is((await get('/data/fashion-mnist/t10k-labels-idx1-ubyte.gz', port)).status, 200);
    assert.is((await get('/../package.json', port)).status, 404);
  } finally {
    child.kill();
  }
});

test.run();
