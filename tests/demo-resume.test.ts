/**
 * The demo page keeps the run in progress after every epoch: a reload mid-run offers to resume
 * it, and the resumed run ends with the numbers of a run that was never interrupted.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { buildDemo } from '../build.mjs';
import { launchBrowser } from '../cli/chromium.ts';
import { IDX_FILES } from '../src/data/dataset.ts';
import type { StudyRecord } from '../demo/results.ts';
import { createDemoServer } from '../demo/server.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('demo: resume after a reload');
const work = mkdtempSync(join(tmpdir(), 'lenet-demo-resume-'));
let server: http.Server;
let browser: Browser;
let origin = '';

test.before(async () => {
  const root = join(work, 'page');
  await buildDemo(root);
  const fashion = join(work, 'fashion');
  mkdirSync(fashion, { recursive: true });
  const data = syntheticDataset(600, 200, 5);
  for (const [key, file] of Object.entries(IDX_FILES)) writeFileSync(join(fashion, file), Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64'));
  server = createDemoServer({ root, datasets: { 'fashion-mnist': fashion } });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

test.after(async () => {
  await browser?.close();
  server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A page in a browser context of its own (its own IndexedDB), downloading to `downloads`. */
async function open(downloads: string): Promise<Page> {
  const context = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: downloads } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[demo page error]', e));
  await page.goto(`${origin}/`);
  return page;
}

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => /training and/.test(document.getElementById('data-status')!.textContent!), { timeout: 60_000 });
  await page.waitForFunction(() => /^GPU: /.test(document.getElementById('gpu')!.textContent!), { timeout: 60_000 });
}

async function fill(page: Page, key: string, value: string): Promise<void> {
  await page.$eval(`#setting-${key}`, (e) => (e as HTMLInputElement).select());
  await page.type(`#setting-${key}`, value);
}

/** Three epochs of baseline and batch norm on 300 training images. */
async function configure(page: Page): Promise<void> {
  await fill(page, 'epochs', '3');
  await fill(page, 'trainLimit', '300');
  await fill(page, 'testLimit', '100');
  for (const name of ['dropout', 'weight-decay']) await page.click(`input[name=variants][value=${name}]`);
}

async function finished(page: Page): Promise<void> {
  await page.waitForFunction(() => /^(Finished|Stopped|Device lost)/.test(document.getElementById('run-state')!.textContent!), { timeout: 240_000, polling: 500 });
  assert.match(await page.$eval('#run-state', (e) => e.textContent!), /^Finished after/);
}

async function exportedRecord(page: Page, downloads: string): Promise<StudyRecord> {
  const before = new Set(readdirSync(downloads));
  await page.click('#export-json');
  for (let i = 0; i < 200; i++) {
    const file = readdirSync(downloads).find((f) => !before.has(f) && f.endsWith('.json'));
    if (file) return JSON.parse(readFileSync(join(downloads, file), 'utf8')) as StudyRecord;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no JSON export');
}

/** Each variant's per-epoch numbers, without the timings. */
const numbers = (r: StudyRecord) => r.variants.map((v) => [v.name, v.status, v.epochs.map(({ trainSeconds: _t, samplesPerSecond: _s, ...m }) => m)]);

test('a reload mid-run offers to resume it; the resumed run ends with the numbers of an uninterrupted one', async () => {
  const reference = mkdtempSync(join(work, 'downloads-'));
  const whole = await open(reference);
  await ready(whole);
  await configure(whole);
  await whole.click('#run');
  await finished(whole);
  const uninterrupted = await exportedRecord(whole, reference);
  await whole.browserContext().close();

  const downloads = mkdtempSync(join(work, 'downloads-'));
  const page = await open(downloads);
  await ready(page);
  await configure(page);
  assert.ok(await page.$eval('[data-testid=resume-notice]', (e) => (e as HTMLElement).hidden), 'nothing to resume in a fresh browser');
  await page.click('#run');
  // Both variants' first epochs are kept: reload while the run goes on.
  await page.waitForFunction(() => /\((2|3|4) of 6 variant-epochs\): a reload can resume this run/.test(document.querySelector('[data-testid=kept-state]')!.textContent!), { timeout: 120_000, polling: 100 });
  await page.reload();
  await ready(page);
  await page.waitForFunction(() => !(document.querySelector('[data-testid=resume-notice]') as HTMLElement).hidden, { timeout: 30_000 });
  assert.match(await page.$eval('#resume-text', (e) => e.textContent!), /^A run started .* UTC on fashion-mnist stopped before it ended: [2-4] of 6 variant-epochs are kept\./);
  await page.click('[data-testid=resume-run]');
  await finished(page);
  const resumed = await exportedRecord(page, downloads);
  assert.equal(numbers(resumed), numbers(uninterrupted));
  assert.equal(resumed.dataset, uninterrupted.dataset);
  // Every epoch is on the cards again, and nothing is left to resume once the run has ended.
  assert.equal(await page.$$eval('.card canvas', (els) => els.map((e) => e.getAttribute('data-points'))), ['12', '12']);
  await page.reload();
  await ready(page);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.ok(await page.$eval('[data-testid=resume-notice]', (e) => (e as HTMLElement).hidden), 'the ended run is not offered again');
  await page.browserContext().close();
});

test.run();
