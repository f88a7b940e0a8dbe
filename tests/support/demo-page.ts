/**
 * What the demo page's end-to-end suites share: the built page on a demo server with a dataset
 * (real Fashion-MNIST when installed, else a synthetic one), a headless Chromium, pages in
 * browser contexts of their own (their own IndexedDB and download folder), and the steps a user
 * takes: wait for data and GPU, type a setting, click an export and read the file it downloads.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'puppeteer-core';
import { buildDemo } from '../../build.mjs';
import { launchBrowser } from '../../cli/chromium.ts';
import { IDX_FILES } from '../../src/data/dataset.ts';
import { createDemoServer } from '../../demo/server.ts';
import { FASHION_MNIST_DIR, hasFashionMnist } from './browser.ts';
import { syntheticDataset } from './synthetic.ts';

/** Four IDX files of a small synthetic dataset; gzipped, or raw as a user may have them. */
export function writeSynthetic(dir: string, train: number, testCount: number, raw = false): void {
  mkdirSync(dir, { recursive: true });
  const data = syntheticDataset(train, testCount, 5);
  for (const [key, file] of Object.entries(IDX_FILES)) {
    const gz = Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64');
    writeFileSync(join(dir, raw ? file.replace(/\.gz$/, '') : file), raw ? gunzipSync(gz) : gz);
  }
}

export interface DemoOptions {
  /** Use real Fashion-MNIST when installed (else a synthetic set of `synthetic` images); false: always synthetic. */
  realFashion?: boolean;
  synthetic?: { train: number; test: number };
  /** More datasets the server offers, by name (e.g. mnist). */
  datasets?: Record<string, string>;
}

export class DemoPages {
  /** Each page's own download folder (a download of an existing name would overwrite it). */
  private readonly downloads = new Map<Page, string>();

  private constructor(readonly work: string, private readonly server: http.Server, readonly origin: string, readonly browser: Browser) {}

  static async start(options: DemoOptions = {}): Promise<DemoPages> {
    const work = mkdtempSync(join(tmpdir(), 'lenet-demo-'));
    const root = join(work, 'page');
    await buildDemo(root);
    let fashion = FASHION_MNIST_DIR;
    if (options.realFashion === false || !hasFashionMnist()) {
      const size = options.synthetic ?? { train: 2000, test: 500 };
      writeSynthetic((fashion = join(work, 'fashion')), size.train, size.test);
    }
    const server = createDemoServer({ root, datasets: { 'fashion-mnist': fashion, ...options.datasets } });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new DemoPages(work, server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, await launchBrowser());
  }

  /** A page at `query` in a context of its own; `prepare` runs before the page loads (evaluateOnNewDocument…). */
  async open(options: { query?: string; prepare?: (page: Page) => Promise<unknown>; errors?: string[] } = {}): Promise<Page> {
    const downloads = mkdtempSync(join(this.work, 'downloads-'));
    const context = await this.browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: downloads } });
    const page = await context.newPage();
    this.downloads.set(page, downloads);
    await page.setViewport({ width: 1280, height: 900 });
    page.on('pageerror', (e) => {
      options.errors?.push(String(e));
      console.error('[demo page error]', e);
    });
    await options.prepare?.(page);
    await page.goto(`${this.origin}/${options.query ?? ''}`);
    return page;
  }

  /**
   * Click an export button and return the file it downloads, once it has its full size (Chrome
   * may show the final name before the bytes are all there: a size that is 0 or still changing
   * is waited out).
   */
  async exported(page: Page, selector: string, name: RegExp): Promise<Buffer> {
    const downloads = this.downloads.get(page)!;
    const before = new Set(readdirSync(downloads));
    await page.click(selector);
    let last = -1;
    for (let i = 0; i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const file = readdirSync(downloads).find((f) => !before.has(f) && name.test(f) && !f.endsWith('.crdownload'));
      if (!file) continue;
      const size = statSync(join(downloads, file)).size;
      if (size === 0 || size !== last) {
        last = size;
        continue;
      }
      // Read and removed: a later download of the same name is then a new file, not an overwrite.
      const bytes = readFileSync(join(downloads, file));
      rmSync(join(downloads, file));
      return bytes;
    }
    throw new Error(`no complete download matching ${name} after clicking ${selector}`);
  }

  async close(): Promise<void> {
    await this.browser.close();
    this.server.close();
    rmSync(this.work, { recursive: true, force: true });
  }
}

export const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '');

/** Replace a settings field's value by typing, as a user would. */
export async function fill(page: Page, key: string, value: string): Promise<void> {
  await page.$eval(`#setting-${key}`, (e) => (e as HTMLInputElement).select());
  if (value === '') await page.keyboard.press('Backspace');
  else await page.type(`#setting-${key}`, value);
}

/** The dataset is loaded and WebGPU has answered. */
export async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => /training and/.test(document.getElementById('data-status')!.textContent!), { timeout: 60_000 });
  await page.waitForFunction(() => /^GPU: /.test(document.getElementById('gpu')!.textContent!), { timeout: 60_000 });
}

/** The run has ended (finished, stopped or lost); its run-state text. */
export async function ended(page: Page): Promise<string> {
  await page.waitForFunction(() => /^(Finished|Stopped|Device lost)/.test(document.getElementById('run-state')!.textContent!), { timeout: 240_000, polling: 500 });
  return text(page, '#run-state');
}

/**
 * A screenshot of the page (or of one element) to out/<name>; also to docs/<name>, for the
 * README, when DEMO_DOCS_SCREENSHOT=1.
 */
export async function screenshot(page: Page, name: string, selector?: string): Promise<void> {
  const dirs = ['out', ...(process.env.DEMO_DOCS_SCREENSHOT === '1' ? ['docs'] : [])];
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, name) as `${string}.png`;
    if (selector) await (await page.$(selector))!.screenshot({ path });
    else await page.screenshot({ path, fullPage: true });
  }
}
