/**
 * The demo page end to end, as a user drives it in headless Chromium: load the page from the
 * demo server, pick a small budget, Run, wait for the four variants, check the table against the
 * exported JSON, the charts, the predictions and the exports; then the error paths (no WebGPU, an
 * invalid setting, a corrupt dataset file, a lost device). Saves screenshots to out/ (and to
 * docs/demo.png, the README's, when DEMO_DOCS_SCREENSHOT=1).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { IDX_FILES } from '../src/data/dataset.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import type { StudyRecord } from '../demo/results.ts';
import { DemoPages, fill, ready, screenshot, text, writeSynthetic } from './support/demo-page.ts';

const test = suite('demo page');

// Real Fashion-MNIST makes the screenshot meaningful; a synthetic set keeps the test running without it.
let demo: DemoPages;
test.before(async () => {
  demo = await DemoPages.start();
});

test.after(async () => {
  await demo?.close();
});

const open = (options: Parameters<DemoPages['open']>[0] = {}) => demo.open(options);
const exported = (page: Page, selector: string, name: RegExp) => demo.exported(page, selector, name);

/**
 * Installed before the page's scripts: every main-thread long task (PerformanceObserver
 * 'longtask': a task over 50 ms) as [start, duration] in window.longTasks, and every text the
 * progress line showed, in order, in window.progressTexts.
 */
function recordResponsiveness(page: Page): Promise<unknown> {
  return page.evaluateOnNewDocument(() => {
    const w = globalThis as unknown as { longTasks: [number, number][]; progressTexts: string[] };
    w.longTasks = [];
    w.progressTexts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
    document.addEventListener('DOMContentLoaded', () => {
      const line = document.getElementById('progress-text')!;
      new MutationObserver(() => {
        if (w.progressTexts.at(-1) !== line.textContent) w.progressTexts.push(line.textContent ?? '');
      }).observe(line, { childList: true, characterData: true, subtree: true });
    });
  });
}

/** The bound on any one main-thread task from Run to the end of the run (predictions shown). */
const LONG_TASK_MS = 100;

const percentOf = (cell: string): number => {
  const match = /^(\d+\.\d+)%$/.exec(cell.trim());
  assert.ok(match, `"${cell}" is not a percentage`);
  return Number(match![1]) / 100;
};

test('a small study runs to the end: four variants, table = exported JSON, charts drawn, predictions, exports', async () => {
  const page = await open({ prepare: recordResponsiveness });
  await ready(page);
  // SwiftShader is a CPU fallback: the page says so before Run, and what the settings will train.
  assert.match(await text(page, '[data-testid=cpu-fallback]'), /^CPU fallback: (the browser reports a fallback adapter|the adapter is swiftshader, a software renderer), so training runs on the processor.*Quick run preset/);
  await fill(page, 'epochs', '3');
  await fill(page, 'trainLimit', '400');
  await fill(page, 'testLimit', '300');
  assert.is(await text(page, '[data-testid=split]'), 'This run: 400 train · 100 validation · 300 test images.');
  assert.match(await text(page, '[data-testid=estimate]'), /^This run: 4,800 training samples; the time is measured from the first steps of the run\.$/);
  const runAt = await page.evaluate(() => performance.now());
  await page.click('[data-testid=run]');
  await page.waitForFunction(() => /^(Finished|Stopped|Device lost)/.test(document.getElementById('run-state')!.textContent!), { timeout: 240_000, polling: 500 });
  assert.match(await text(page, '#run-state'), /^Finished after/);
  assert.match(await text(page, '#progress-text'), /^4,800 \/ 4,800 training samples · [\d,]+ samples\/s · shaders compiled in \d+\.\d s before the first step$/);
  // Shader compilation is a stage of its own, shown before any training samples are counted.
  const shown = await page.evaluate(() => (globalThis as unknown as { progressTexts: string[] }).progressTexts);
  const compiling = shown.findIndex((t) => /^Compiling shaders/.test(t));
  const counting = shown.findIndex((t) => /training samples/.test(t));
  assert.ok(compiling >= 0 && compiling < counting, `progress texts: ${JSON.stringify(shown.slice(0, 5))}`);

  const cards = await page.$$eval('.card', (els) => els.map((e) => [e.getAttribute('data-variant'), e.getAttribute('data-status')]));
  assert.equal(cards, [['baseline', 'finished'], ['dropout', 'finished'], ['weight-decay', 'finished'], ['batchnorm', 'finished']]);

  const table = await page.$$eval('[data-testid=results-table] tbody tr', (rows) => rows.map((r) => ({
    variant: r.getAttribute('data-variant')!, name: r.querySelector('th')!.textContent!,
    epochs: r.children[2]!.textContent!,
    train: r.querySelector('.train')!.textContent!, validation: r.querySelector('.validation')!.textContent!, test: r.querySelector('.test')!.textContent!,
  })));
  assert.is(table.length, 4);
  assert.equal(table.map((r) => r.name), ['Baseline', 'Dropout', 'Weight decay', 'Batch norm']);
  assert.equal(await page.$$eval('.card h3', (els) => els.map((e) => e.firstChild!.textContent)), ['Baseline', 'Dropout', 'Weight decay', 'Batch norm']);

  // Every chart holds data: 4 series × 3 epochs per variant, 4 × 3 in the comparison, 4 × 3 bars in the summary.
  const points = await page.$$eval('canvas[data-points]', (els) => els.map((e) => [e.closest('[data-variant]')?.getAttribute('data-variant') ?? e.id, Number(e.getAttribute('data-points'))]));
  assert.equal(points, [['baseline', 12], ['dropout', 12], ['weight-decay', 12], ['batchnorm', 12], ['comparison-chart', 12], ['summary-chart', 12]]);
  // Under the epoch points, per-step training curves: at least one command buffer per epoch, accuracy and loss.
  const stepPoints = await page.$$eval('.card canvas', (els) => els.map((e) => Number(e.getAttribute('data-step-points'))));
  assert.ok(stepPoints.length === 4 && stepPoints.every((n) => n >= 2 * 3), `per-step points ${stepPoints}`);

  const conclusions = await page.$$eval('#conclusions li', (els) => els.map((e) => e.textContent));
  // 400 training and 300 test images, one seed: the warnings come first, and nothing is called established.
  assert.match(conclusions[0]!, /^Tiny budget: 400 training and 300 test images/);
  assert.ok(conclusions.some((c) => /^One seed: /.test(c!)), 'the one-seed warning');
  assert.ok(conclusions.some((c) => /^Train − test gap: /.test(c!)), 'the gap line');
  assert.not.ok(conclusions.some((c) => /established against every other variant/.test(c!)), 'one seed establishes no ranking');
  const verdicts = await page.$$eval('#verdicts tbody tr', (rows) => rows.map((r) => r.getAttribute('data-verdict')));
  assert.equal(verdicts, ['not established', 'not established', 'not established', 'not established']);

  // Predictions of the best variant: a 10×10 confusion matrix over the 300 test images, and labelled images.
  await page.waitForFunction(() => document.querySelectorAll('#test-grid figure').length > 0, { timeout: 60_000 });
  const matrix = await page.$$eval('#confusion tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(0, 10).map((c) => Number(c.textContent))));
  assert.is(matrix.length, 10);
  // Class names on both axes.
  const classNames = await page.$$eval('#samples figcaption', (els) => els.map((e) => e.textContent!));
  assert.equal(await page.$$eval('#confusion thead th.class-name', (els) => els.map((e) => e.textContent)), classNames.map((n, i) => `${i} ${n}`));
  assert.equal(await page.$$eval('#confusion tbody th', (els) => els.map((e) => e.textContent)), classNames.map((n, i) => `${i} ${n}`));
  assert.is(matrix.flat().reduce((a, b) => a + b, 0), 300);
  assert.match(await text(page, '#inspect-status'), /of 300 test images right/);
  assert.match(await text(page, '#test-grid figure figcaption'), /true: /);
  // Training ran in the worker: from Run until the predictions were shown, the page never froze.
  const longTasks = await page.evaluate((t) => (globalThis as unknown as { longTasks: [number, number][] }).longTasks.filter(([start]) => start >= t), runAt);
  assert.ok(longTasks.every(([, ms]) => ms <= LONG_TASK_MS), `main-thread tasks over ${LONG_TASK_MS} ms (start, ms): ${JSON.stringify(longTasks)}`);

  const record = JSON.parse((await exported(page, '#export-json', /\.json$/)).toString()) as StudyRecord;
  assert.is(record.variants.length, 4);
  assert.is(record.dataset.trainImages, 400);
  assert.is(record.dataset.testImages, 300);
  for (const row of table) {
    const exportedRow = record.variants.find((v) => v.name === row.variant)!;
    assert.is(row.epochs, '3');
    assert.is(exportedRow.epochs.length, 3);
    for (const key of ['train', 'validation', 'test'] as const) {
      const shown = percentOf(row[key]);
      const value = exportedRow.final[`${key}Accuracy`]!;
      assert.ok(shown >= 0 && shown <= 1 && value >= 0 && value <= 1, `${row.variant} ${key}: ${shown}, ${value}`);
      assert.ok(Math.abs(shown - value) <= 5e-5 + 1e-9, `${row.variant} ${key}: table ${row[key]} vs JSON ${value}`);
    }
  }
  const csv = (await exported(page, '#export-csv', /\.csv$/)).toString().trim().split('\n');
  assert.is(csv.length, 1 + 4 * 3);
  assert.match(csv[0]!, /^variant,epoch,steps,train_loss,train_accuracy/);
  for (const variant of ['baseline', 'batchnorm']) {
    const bytes = await exported(page, `#summary-table tr[data-variant=${variant}] button.weights`, new RegExp(`^lenet-${variant}-.*\\.safetensors$`));
    const weights = decodeSafetensors(new Uint8Array(bytes));
    assert.equal(weights.tensors.get('conv3.weight')!.shape, [120, 16, 5, 5]);
    assert.is(weights.tensors.has('bn1.running_mean'), variant === 'batchnorm');
  }

  // A reload keeps the settings and the finished run: listed, shown with the same numbers, deletable.
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=past-runs] li').length === 1, { timeout: 30_000 });
  assert.match(await text(page, '[data-testid=past-runs] li'), /UTC · fashion-mnist · 3 epochs · 400 train \/ 100 validation \/ 300 test · finished/);
  assert.is(await page.$eval('[data-testid=epochs]', (e) => (e as HTMLInputElement).value), '3');
  assert.is(await page.$eval('[data-testid=train-images]', (e) => (e as HTMLInputElement).value), '400');
  const reloaded = await page.$$eval('[data-testid=results-table] tbody tr', (rows) => rows.map((r) => r.querySelector('.test')!.textContent));
  assert.equal(reloaded, table.map((r) => r.test));
  const kept = decodeSafetensors(new Uint8Array(await exported(page, '#summary-table tr[data-variant=dropout] button.weights', /^lenet-dropout-.*\.safetensors$/)));
  assert.equal(kept.tensors.get('fc2.weight')!.shape, [10, 84]);

  await screenshot(page, 'demo.png');
  // Phone width: everything reflows, nothing scrolls sideways.
  await page.setViewport({ width: 390, height: 844 });
  await page.waitForFunction(() => document.documentElement.scrollWidth <= innerWidth, { timeout: 5_000 }).catch(() => {});
  assert.is(await page.evaluate(() => document.documentElement.scrollWidth), 390);
  await page.screenshot({ path: 'out/demo-phone.png', fullPage: true });
  await page.click('[data-testid=past-runs] li button.delete');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=past-runs] li').length === 0, { timeout: 5_000 });
  await page.reload();
  await page.waitForFunction(() => /No runs yet/.test(document.getElementById('past-status')!.textContent!), { timeout: 30_000 });
  await page.browserContext().close();
});

test('without WebGPU the page says so and how to fix it; data still loads, Run stays off', async () => {
  const page = await open({ prepare: (p) => p.evaluateOnNewDocument(() => {
    delete (Navigator.prototype as { gpu?: unknown }).gpu;
  }) });
  await page.waitForFunction(() => document.getElementById('gpu')!.classList.contains('error'), { timeout: 30_000 });
  assert.match(await text(page, '#gpu'), /WebGPU is unavailable: navigator\.gpu is missing\. Use a browser with WebGPU enabled/);
  await page.waitForFunction(() => /training and/.test(document.getElementById('data-status')!.textContent!), { timeout: 60_000 });
  assert.is(await page.$$eval('#samples figure', (els) => els.length), 10);
  assert.ok(await page.$eval('#run', (b) => (b as HTMLButtonElement).disabled));
  await page.browserContext().close();
});

test('?data= points the page at another data folder (for static hosts), and a missing one is explained', async () => {
  const page = await open({ query: '?data=/elsewhere/' });
  await page.waitForFunction(() => /Could not load/.test(document.getElementById('data-status')!.textContent!), { timeout: 30_000 });
  assert.match(await text(page, '#data-status'), new RegExp(`^Could not load Fashion-MNIST: ${demo.origin}/elsewhere/fashion-mnist/\\S+\\.gz: HTTP 404 Not Found\\. ` +
    `This site has no Fashion-MNIST at ${demo.origin}/elsewhere/fashion-mnist/: with \`npm start\`, put the four \\.gz files in \\./data/fashion-mnist/`));
  await page.goto(`${demo.origin}/?data=${encodeURIComponent(`${demo.origin}/data/`)}`);
  await page.waitForFunction(() => /training and/.test(document.getElementById('data-status')!.textContent!), { timeout: 60_000 });
  await page.browserContext().close();
});

test('an invalid setting is refused at its field with the allowed range; nothing starts', async () => {
  const page = await open();
  await ready(page);
  const runDisabled = () => page.$eval('#run', (b) => (b as HTMLButtonElement).disabled);
  assert.not.ok(await runDisabled());
  await fill(page, 'lr', '-1');
  assert.is(await text(page, '#setting-lr-message'), 'Learning rate must be a number in (0, 1]');
  assert.is(await page.$eval('#setting-lr', (e) => e.getAttribute('aria-invalid')), 'true');
  assert.ok(await runDisabled());
  await page.click('#run');
  assert.is(await page.$$eval('.card', (els) => els.length), 0);
  await fill(page, 'lr', '0.001');
  assert.is(await text(page, '#setting-lr-message'), '');
  assert.not.ok(await runDisabled());
  await fill(page, 'epochs', '');
  assert.is(await text(page, '#setting-epochs-message'), 'Epochs must be a whole number in [1, 500]');
  await fill(page, 'epochs', '1');
  // Limits from the loaded dataset: train images leave room for the validation split; a batch fits in the train images.
  const datasetTrain = Number((await text(page, '#data-status')).match(/([\d,]+) training/)![1]!.replace(/,/g, ''));
  const maxTrain = Math.floor(datasetTrain * 0.8).toLocaleString('en');
  await fill(page, 'trainLimit', '10000000');
  assert.is(await text(page, '#setting-trainLimit-message'), `Train images must be 0 (all) or a whole number in [20, ${maxTrain}]`);
  assert.ok(await runDisabled());
  await fill(page, 'trainLimit', '320');
  await fill(page, 'batchSize', '4096');
  assert.is(await text(page, '#setting-batchSize-message'), 'Batch size must be a whole number in [2, 320]');
  await fill(page, 'batchSize', '64');
  assert.is(await text(page, '#setting-batchSize-message'), '');
  // The quick-run preset fills in a run of minutes.
  await page.click('[data-testid=quick-run]');
  const quickTrain = Math.min(5000, Math.floor(datasetTrain * 0.8));
  assert.equal([await page.$eval('[data-testid=epochs]', (e) => (e as HTMLInputElement).value), await page.$eval('[data-testid=train-images]', (e) => (e as HTMLInputElement).value)], ['3', String(quickTrain)]);
  assert.match(await text(page, '[data-testid=split]'), new RegExp(`^This run: ${quickTrain.toLocaleString('en')} train · [\\d,]+ validation · [\\d,]+ test images\\.$`));
  // A rule that needs the dataset: batch norm cannot train on a last batch of one image.
  await fill(page, 'validationFraction', '0');
  await fill(page, 'trainLimit', '129');
  assert.match(await text(page, '#setting-batchSize-message'), /129 training images in batches of 64 leave a last batch of 1/);
  assert.ok(await runDisabled());
  await page.browserContext().close();
});

test('a corrupt dataset file the user picks is refused with its name; raw IDX files load', async () => {
  const page = await open();
  await ready(page);
  const files = join(demo.work, 'picked');
  writeSynthetic(files, 120, 40);
  writeFileSync(join(files, IDX_FILES.trainImages), 'not a gzip file at all');
  await page.click('input[name=source][value=files]');
  const input = (await page.$('input#data-files'))!;
  await input.uploadFile(...Object.values(IDX_FILES).map((f) => join(files, f)));
  await page.waitForFunction(() => /Could not load/.test(document.getElementById('data-status')!.textContent!), { timeout: 30_000 });
  assert.match(await text(page, '#data-status'), /Could not load Fashion-MNIST: train-images-idx3-ubyte\.gz: named \.gz but is not gzip data \(first bytes 6e 6f 74 20\)\. Still using fashion-mnist from before\./);
  assert.not.ok(await page.$eval('#run', (b) => (b as HTMLButtonElement).disabled), 'the dataset loaded before stays usable');

  const raw = join(demo.work, 'raw');
  writeSynthetic(raw, 120, 40, true);
  await page.select('#dataset', 'mnist');
  await input.uploadFile(...readdirSync(raw).map((f) => join(raw, f)));
  await page.waitForFunction(() => /^MNIST: 120 training/.test(document.getElementById('data-status')!.textContent!), { timeout: 30_000 });
  assert.is(await text(page, '#data-status'), 'MNIST: 120 training and 40 test images.');
  assert.equal(await page.$$eval('#samples figcaption', (els) => els.map((e) => e.textContent)), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  await page.browserContext().close();
});

test('pause and continue; then a lost device stops the run, finished epochs stay on screen and exportable', async () => {
  // The training worker's device is the one to lose: every worker first runs a module that keeps
  // a handle on the device it requests, then its own script. (A string: the page runs it as is.)
  const page = await open({ prepare: (p) => p.evaluateOnNewDocument(`{
    const url = (code) => URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
    const hook = url(\`const request = GPUAdapter.prototype.requestDevice;
      GPUAdapter.prototype.requestDevice = async function (descriptor) {
        const device = await request.call(this, descriptor);
        globalThis.testDevice = device;
        return device;
      };\`);
    const PageWorker = Worker;
    globalThis.Worker = function (script, options) {
      return new PageWorker(url('import ' + JSON.stringify(hook) + '; import ' + JSON.stringify(new URL(script, location.href).href) + ';'), options);
    };
  }`) });
  await ready(page);
  await fill(page, 'epochs', '20');
  await fill(page, 'trainLimit', '300');
  await fill(page, 'testLimit', '100');
  for (const name of ['dropout', 'weight-decay']) await page.click(`input[name=variants][value=${name}]`);
  await page.click('#run');
  // A card's chart is built in a task after the card: no attribute yet is no points yet.
  await page.waitForFunction(() => Number(document.querySelector('.card[data-variant=baseline] canvas')!.getAttribute('data-points')) > 0, { timeout: 120_000 });
  await page.click('#pause');
  assert.is(await text(page, '#pause'), 'Continue');
  await page.waitForFunction(() => [...document.querySelectorAll('.card')].every((c) => c.getAttribute('data-status') === 'paused'), { timeout: 10_000 });
  await page.click('#pause');
  await page.waitForFunction(() => document.querySelector('.card[data-status=training]') !== null, { timeout: 30_000 });
  const [worker] = page.workers();
  assert.ok(worker, 'the page trains in a worker');
  await worker!.evaluate(() => (globalThis as unknown as { testDevice: GPUDevice }).testDevice.destroy());
  await page.waitForFunction(() => /^Device lost/.test(document.getElementById('run-state')!.textContent!), { timeout: 60_000 });
  assert.match(await text(page, '#gpu'), /The GPU device was lost \(destroyed/);
  assert.equal(await page.$$eval('.card', (els) => els.map((e) => e.getAttribute('data-status'))), ['lost', 'lost']);
  assert.ok(await page.$eval('#run', (b) => (b as HTMLButtonElement).disabled));
  assert.match(await text(page, '#inspect-status'), /Predictions need the GPU, which was lost/);
  const record = JSON.parse((await exported(page, '#export-json', /\.json$/)).toString()) as StudyRecord;
  const baseline = record.variants.find((v) => v.name === 'baseline')!;
  assert.is(baseline.status, 'lost');
  assert.ok(baseline.epochs.length >= 1 && baseline.final.testAccuracy !== null);
  const weights = await exported(page, '#summary-table tr[data-variant=baseline] button.weights', /^lenet-baseline-.*\.safetensors$/);
  assert.ok(decodeSafetensors(new Uint8Array(weights)).tensors.has('fc2.bias'));
  await page.browserContext().close();
});

test.run();
