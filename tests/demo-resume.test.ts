/**
 * The demo page keeps the run in progress after every epoch: a reload mid-run offers to resume
 * it, and the resumed run ends with the numbers of a run that was never interrupted.
 */
import { suite } from 'uvu';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import type { Page } from 'puppeteer-core';
import type { StudyRecord } from '../demo/results.ts';
import { DemoPages, ended, fill, ready, screenshot } from './support/demo-page.ts';

const test = suite('demo: resume after a reload');
let demo: DemoPages;

test.before(async () => {
  demo = await DemoPages.start({ realFashion: false, synthetic: { train: 600, test: 200 } });
});

test.after(async () => {
  await demo?.close();
});

/** Three epochs of baseline and batch norm on 300 training images. */
async function configure(page: Page): Promise<void> {
  await fill(page, 'epochs', '3');
  await fill(page, 'trainLimit', '300');
  await fill(page, 'testLimit', '100');
  for (const name of ['dropout', 'weight-decay']) await page.click(`input[name=variants][value=${name}]`);
}

async function finished(page: Page): Promise<void> {
  assert.match(await ended(page), /^Finished after/);
}

const exportedRecord = async (page: Page) => JSON.parse((await demo.exported(page, '#export-json', /\.json$/)).toString()) as StudyRecord;

/** Each variant's per-epoch numbers, without the timings. */
const numbers = (r: StudyRecord) => r.variants.map((v) => [v.name, v.status, v.epochs.map(({ trainSeconds: _t, samplesPerSecond: _s, ...m }) => m)]);

test('a reload mid-run offers to resume it; the resumed run ends with the numbers of an uninterrupted one; the two kept runs compared', async () => {
  const page = await demo.open();
  await ready(page);
  await configure(page);
  assert.ok(await page.$eval('[data-testid=resume-notice]', (e) => (e as HTMLElement).hidden), 'nothing to resume in a fresh browser');
  await page.click('#run');
  await finished(page);
  const uninterrupted = await exportedRecord(page);

  // The same run again (the settings are kept), reloaded mid-run.
  await page.click('#run');
  // Both variants' first epochs are kept: reload while the run goes on.
  await page.waitForFunction(() => /\((2|3|4) of 6 variant-epochs\): a reload can resume this run/.test(document.querySelector('[data-testid=kept-state]')!.textContent!), { timeout: 120_000, polling: 100 });
  await page.reload();
  await ready(page);
  await page.waitForFunction(() => !(document.querySelector('[data-testid=resume-notice]') as HTMLElement).hidden, { timeout: 30_000 });
  assert.match(await page.$eval('#resume-text', (e) => e.textContent!), /^A run started .* UTC on fashion-mnist stopped before it ended: [2-4] of 6 variant-epochs are kept\./);
  await screenshot(page, 'demo-resume.png', '[data-testid=resume-notice]');
  await page.click('[data-testid=resume-run]');
  await finished(page);
  const resumed = await exportedRecord(page);
  assert.equal(numbers(resumed), numbers(uninterrupted));
  assert.equal(resumed.dataset, uninterrupted.dataset);
  // Every epoch is on the cards again, and nothing is left to resume once the run has ended.
  assert.equal(await page.$$eval('.card canvas', (els) => els.map((e) => e.getAttribute('data-points'))), ['12', '12']);
  await page.reload();
  await ready(page);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.ok(await page.$eval('[data-testid=resume-notice]', (e) => (e as HTMLElement).hidden), 'the ended run is not offered again');

  // Both runs are kept; ticked for comparison, their curves are drawn over each other.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=past-runs] li').length === 2, { timeout: 30_000 });
  assert.ok(await page.$eval('#past-compare', (e) => (e as HTMLElement).hidden), 'no comparison before two are ticked');
  for (const box of await page.$$('[data-testid=past-runs] li input.compare')) await box.click();
  await page.waitForFunction(() => !(document.getElementById('past-compare') as HTMLElement).hidden, { timeout: 5_000 });
  // 2 runs × 2 variants × 3 epochs, and the same numbers in both (the resumed run equals the whole one).
  assert.is(await page.$eval('[data-testid=past-compare]', (e) => e.getAttribute('data-points')), '12');
  await screenshot(page, 'demo-past-runs.png', '#past');

  // A saved model from a file: tested and looked inside on its own; a broken file is named.
  const weights = await demo.exported(page, '#summary-table tr[data-variant=batchnorm] button.weights', /^lenet-batchnorm-.*\.safetensors$/);
  const [good, bad] = [join(demo.work, 'bn.safetensors'), join(demo.work, 'broken.safetensors')];
  writeFileSync(good, weights);
  writeFileSync(bad, weights.subarray(0, 100));
  const input = (await page.$('input[data-testid=weights-file]'))!;
  await input.uploadFile(bad);
  await page.waitForFunction(() => /^Could not use broken\.safetensors: /.test(document.querySelector('[data-testid=weights-status]')!.textContent!), { timeout: 30_000 });
  await input.uploadFile(good);
  await page.waitForFunction(() => /^bn\.safetensors: the batch-norm model/.test(document.querySelector('[data-testid=weights-status]')!.textContent!), { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=activations][data-image]') !== null, { timeout: 60_000 });
  assert.equal(await page.$$eval('.inside-card', (els) => els.map((e) => e.getAttribute('data-variant'))), ['batchnorm']);
  assert.not.ok(await page.$eval('#inspect', (e) => (e as HTMLElement).hidden), 'its test predictions are shown');
  await page.browserContext().close();
});

test.run();
