/** The demo server: serves the built page and the dataset files only, with their content types. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemo } from '../build.mjs';
import { IDX_FILES } from '../src/data/dataset.ts';
import { createDemoServer, parseHost, parsePort } from '../demo/server.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('demo server');

const base = mkdtempSync(join(tmpdir(), 'lenet-serve-'));
const root = join(base, 'page');
const dataDir = join(base, 'fashion');
writeFileSync(join(base, 'secret.txt'), 'outside the served folders');
let origin = '';
let server: http.Server;
const logged: string[] = [];

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
  server = createDemoServer({ root, datasets: { 'fashion-mnist': dataDir }, log: (line) => logged.push(line) });
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

test('a dataset file removed, replaced by a folder or a link loop after start: 404/500 and a log line, and the server keeps serving', async () => {
  const removed = join(dataDir, IDX_FILES.testLabels);
  const kept = readFileSync(removed);
  rmSync(removed);
  const gone = await get(`/data/fashion-mnist/${IDX_FILES.testLabels}`);
  assert.is(gone.status, 404);
  assert.match(logged.at(-1)!, new RegExp(`→ 404: .*${IDX_FILES.testLabels} cannot be read \\(ENOENT\\)`));
  mkdirSync(removed);
  const folder = await get(`/data/fashion-mnist/${IDX_FILES.testLabels}`);
  assert.is(folder.status, 404);
  assert.match(logged.at(-1)!, /is not a file/);
  rmSync(removed, { recursive: true });
  // A link to itself cannot be read by anyone, root included: ELOOP.
  symlinkSync(removed, removed);
  const loop = await get(`/data/fashion-mnist/${IDX_FILES.testLabels}`);
  assert.is(loop.status, 500);
  assert.match(loop.body.toString(), /cannot be read \(ELOOP\)/);
  assert.match(logged.at(-1)!, /→ 500: .*cannot be read \(ELOOP\)/);
  rmSync(removed);
  writeFileSync(removed, kept);
  assert.is((await get('/')).status, 200, 'the page is still served');
  assert.ok((await get(`/data/fashion-mnist/${IDX_FILES.testLabels}`)).body.equals(kept), 'and the file once it is back');
});

test('PORT and HOST: valid values pass, anything else names the variable and the valid range', () => {
  assert.is(parsePort(undefined, 8080), 8080);
  assert.is(parsePort('0', 8080), 0);
  assert.is(parsePort('65535', 8080), 65535);
  for (const bad of ['abc', '-1', '65536', '80.5', '1e3', ' ']) assert.throws(() => parsePort(bad, 8080), /^PORT=.* is not a port; use an integer in 0–65535/);
  for (const ok of ['127.0.0.1', '::1', '0.0.0.0', 'localhost', 'my-host.example']) assert.is(parseHost(ok, 'x'), ok);
  for (const bad of ['http://x', 'a b', '-x', 'x/y']) assert.throws(() => parseHost(bad, 'x'), /^HOST=.* is not an IP address or host name/);
});

test('npm start with PORT=abc or a bad HOST: one line naming it, exit 2', async () => {
  for (const env of [{ PORT: 'abc' }, { PORT: '70000' }, { HOST: 'not a host' }]) {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'demo/serve.ts'], { env: { ...process.env, ...env }, timeout: 60_000 },
        (error, _stdout, stderr) => resolve({ code: error ? (error as { code: number }).code : 0, stderr }));
    });
    assert.is(result.code, 2, JSON.stringify(env));
    assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, 'PORT' in env ? /^serve: PORT=\S+ is not a port; use an integer in 0–65535/ : /^serve: HOST=not a host is not an IP address/);
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
