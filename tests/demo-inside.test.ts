/**
 * The demo's "Look inside" section end to end: a quick run of two variants on a small subset,
 * then the table of L2 norms and, per variant, conv1's filters, the weight histograms (norms
 * checked against the weights the page exports) and every layer's activations for a picked test
 * image; no page error and no long main-thread task while the section draws. Also the
 * section's arithmetic (inside-stats).
 * The page-opening helpers are copied from tests/demo.test.ts.
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
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { createDemoServer } from '../demo/server.ts';
import { grey, histogram, l2Norm, WEIGHT_LAYERS } from '../demo/inside-stats.ts';
import { FASHION_MNIST_DIR, hasFashionMnist } from './support/browser.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('demo: look inside');

const work = mkdtempSync(join(tmpdir(), 'lenet-demo-inside-'));
let server: http.Server;
let browser: Browser;
let origin = '';
const downloadDirs = new Map<Page, string>();

test('inside-stats: L2 norm, shared-range histogram shares, symmetric grey scale', () => {
  assert.is(l2Norm([3, -4]), 5);
  const hist = histogram([-1, -0.5, 0, 0.25, 1, 2], 1, 4);
  assert.equal(hist.edges, [-1, -0.5, 0, 0.5, 1]);
  // −1 falls in the first bin, +1 and the out-of-range 2 in the last; shares sum to 1.
  assert.equal(hist.shares, [1 / 6, 1 / 6, 2 / 6, 2 / 6]);
  assert.equal([grey(-2, 1), grey(-1, 1), grey(0, 1), grey(1, 1)], [0, 0, 128, 255]);
  assert.is(grey(5, 0), 128);
});

test.before(async () => {
  const root = join(work, 'page');
  await buildDemo(root);
  let fashion = FASHION_MNIST_DIR;
  if (!hasFashionMnist()) {
    fashion = join(work, 'fashion');
    mkdirSync(fashion, { recursive: true });
    const data = syntheticDataset(1000, 200, 5);
    for (const [key, file] of Object.entries(IDX_FILES)) writeFileSync(join(fashion, file), Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64'));
  }
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

/** A page in a context of its own with its own download folder; its page errors are collected in `errors`. */
async function open(errors: string[]): Promise<Page> {
  const downloads = mkdtempSync(join(work, 'downloads-'));
  const context = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: downloads } });
  const page = await context.newPage();
  downloadDirs.set(page, downloads);
  await page.setViewport({ width: 1280, height: 900 });
  page.on('pageerror', (e) => errors.push(String(e)));
  // Every main-thread long task (over 50 ms) as [start, duration], from before the page's scripts,
  // and when the Look inside section was first shown.
  await page.evaluateOnNewDocument(() => {
    const w = globalThis as unknown as { longTasks: [number, number][]; insideShownAt: number | null };
    w.longTasks = [];
    w.insideShownAt = null;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
    document.addEventListener('DOMContentLoaded', () => {
      const section = document.getElementById('inside')!;
      new MutationObserver(() => {
        if (!section.hidden) w.insideShownAt ??= performance.now();
      }).observe(section, { attributes: true, attributeFilter: ['hidden'] });
    });
  });
  await page.goto(`${origin}/`);
  return page;
}

async function fill(page: Page, key: string, value: string): Promise<void> {
  await page.$eval(`#setting-${key}`, (e) => (e as HTMLInputElement).select());
  await page.type(`#setting-${key}`, value);
}

async function exported(page: Page, selector: string, name: RegExp): Promise<Buffer> {
  const downloads = downloadDirs.get(page)!;
  const before = new Set(readdirSync(downloads));
  await page.click(selector);
  for (let i = 0; i < 200; i++) {
    const file = readdirSync(downloads).find((f) => !before.has(f) && name.test(f) && !f.endsWith('.crdownload'));
    if (file) return readFileSync(join(downloads, file));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no download matching ${name} after clicking ${selector}`);
}

const LONG_TASK_MS = 100;
const VARIANTS = ['weight-decay', 'batchnorm'];
/** Layers activations() lists, and how many maps each draws (a map per channel; one strip for a vector). */
const MAPS: Record<string, [string, number][]> = {
  'weight-decay': [['input', 1], ['conv1', 6], ['act1', 6], ['conv2', 16], ['act2', 16], ['conv3', 1], ['fc1', 1], ['fc2', 1]],
  batchnorm: [['input', 1], ['conv1', 6], ['bn1', 6], ['act1', 6], ['conv2', 16], ['bn2', 16], ['act2', 16], ['conv3', 1], ['bn3', 1], ['fc1', 1], ['fc2', 1]],
};

test('after a quick run of two variants: filters, weight histograms with L2 norms, activations of a picked image', async () => {
  const errors: string[] = [];
  const page = await open(errors);
  await page.waitForFunction(() => /training and/.test(document.getElementById('data-status')!.textContent!), { timeout: 60_000 });
  await page.waitForFunction(() => /^GPU: /.test(document.getElementById('gpu')!.textContent!), { timeout: 60_000 });
  // The section sits after the results and before the test predictions.
  assert.equal(await page.$$eval('main > section', (els) => els.map((e) => e.id).filter((id) => ['results', 'inside', 'inspect'].includes(id))), ['results', 'inside', 'inspect']);
  await fill(page, 'epochs', '1');
  await fill(page, 'trainLimit', '200');
  await fill(page, 'testLimit', '100');
  for (const name of ['baseline', 'dropout']) await page.click(`input[name=variants][value=${name}]`);
  await page.click('[data-testid=run]');
  await page.waitForFunction(() => /^(Finished|Stopped|Device lost)/.test(document.getElementById('run-state')!.textContent!), { timeout: 240_000, polling: 500 });
  assert.match(await page.$eval('#run-state', (e) => e.textContent!), /^Finished after/);
  await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid=activations]')].filter((e) => e.hasAttribute('data-image')).length === n,
    { timeout: 120_000 }, VARIANTS.length);

  assert.equal(await page.$$eval('.inside-card', (els) => els.map((e) => e.getAttribute('data-variant'))), VARIANTS);
  assert.equal(await page.$$eval('.inside-card h3', (els) => els.map((e) => e.textContent)), ['Weight decay', 'Batch norm']);
  // One row of L2 norms per variant: a column per weight layer, then all of them together.
  const norms = await page.$$eval('[data-testid=l2-norms] tbody tr', (rows) => rows.map((r) => [r.getAttribute('data-variant'), ...[...r.querySelectorAll('td')].map((c) => c.textContent)]));
  assert.equal(norms.map((r) => r[0]), VARIANTS);
  for (const name of VARIANTS) {
    const card = `.inside-card[data-variant=${name}]`;
    // conv1's six filters, 5×5 each.
    assert.equal(await page.$$eval(`${card} [data-testid=filters] canvas`, (els) => els.map((c) => `${(c as HTMLCanvasElement).width}×${(c as HTMLCanvasElement).height}`)), Array(6).fill('5×5'));
    // A histogram per weight layer, its L2 norm in the caption and equal to the exported weights'.
    const histograms = await page.$$eval(`${card} [data-testid=weight-histograms] figure`, (els) => els.map((f) => ({
      layer: f.querySelector('canvas')!.getAttribute('data-layer')!, l2: Number(f.querySelector('canvas')!.getAttribute('data-l2')),
      bins: f.querySelector('canvas')!.getAttribute('data-bins'), caption: f.querySelector('figcaption')!.textContent!,
    })));
    assert.equal(histograms.map((x) => x.layer), [...WEIGHT_LAYERS]);
    const weights = decodeSafetensors(new Uint8Array(await exported(page, `#summary-table tr[data-variant=${name}] button.weights`, new RegExp(`^lenet-${name}-.*\\.safetensors$`))));
    for (const x of histograms) {
      assert.is(x.bins, '24');
      const l2 = l2Norm(weights.tensors.get(`${x.layer}.weight`)!.data);
      assert.ok(Math.abs(x.l2 - l2) <= 1e-9 * l2, `${name} ${x.layer}: shown L2 ${x.l2}, exported weights' ${l2}`);
      assert.is(x.caption, `${x.layer} · ‖w‖₂ ${l2.toFixed(3)}`);
    }
    const layerNorms = WEIGHT_LAYERS.map((layer) => l2Norm(weights.tensors.get(`${layer}.weight`)!.data));
    const all = Math.sqrt(layerNorms.reduce((sum, n) => sum + n * n, 0));
    assert.equal(norms.find((r) => r[0] === name)!.slice(1), [...layerNorms, all].map((n) => n.toFixed(3)), `${name} L2 norms`);
    const maps = await page.$$eval(`${card} [data-testid=activations] figure`, (els) => els.map((f) => [f.getAttribute('data-layer'), Number(f.getAttribute('data-maps'))]));
    assert.equal(maps, MAPS[name]);
    assert.match(await page.$eval(`${card} [data-testid=activations] figure[data-layer=fc2] figcaption`, (e) => e.textContent!), /logits: predicts \S+/);
  }

  // Another test image: every variant's activations are drawn again, for it.
  const choices = await page.$$eval('[data-testid=inside-image] option', (els) => els.map((e) => (e as HTMLOptionElement).value));
  assert.ok(choices.length >= 2, `${choices.length} test images to pick from`);
  await page.select('[data-testid=inside-image]', choices[1]!);
  await page.waitForFunction((image, n) => [...document.querySelectorAll('[data-testid=activations]')].filter((e) => e.getAttribute('data-image') === image).length === n,
    { timeout: 60_000 }, choices[1]!, VARIANTS.length);
  assert.match(await page.$eval('#inside-picked figcaption', (e) => e.textContent!), new RegExp(`^test image ${choices[1]}: `));

  // From the section's first showing to the second image's activations, no task of its drawing
  // froze the page. (Run to the predictions is tests/demo.test.ts's to check; on a machine busy
  // with other suites, the results view's own tasks there have gone past 100 ms.)
  const { shownAt, longTasks } = await page.evaluate(() => {
    const w = globalThis as unknown as { longTasks: [number, number][]; insideShownAt: number };
    return { shownAt: w.insideShownAt, longTasks: w.longTasks.filter(([start]) => start >= w.insideShownAt) };
  });
  assert.ok(shownAt > 0, 'the section was shown');
  assert.ok(longTasks.every(([, ms]) => ms <= LONG_TASK_MS), `main-thread tasks over ${LONG_TASK_MS} ms (start, ms) since the section was shown at ${Math.round(shownAt)}: ${JSON.stringify(longTasks)}`);
  assert.equal(errors, []);
  mkdirSync('out', { recursive: true });
  await (await page.$('#inside'))!.screenshot({ path: 'out/demo-inside.png' });
  await page.browserContext().close();
});

test.run();
