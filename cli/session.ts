/**
 * A browser session for the command-line tools: a 127.0.0.1 server with the runner page and the
 * dataset's four IDX files, a headless Chromium on it, and typed calls into the page.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'puppeteer-core';
import { bundleToString } from '../build.mjs';
import { IDX_FILES } from '../src/data/dataset.ts';
import type { EpochMetrics, Progress } from '../src/train/types.ts';
import { launchBrowser } from './chromium.ts';
import { sendIdxFile } from './datasets.ts';
import type { RunConfig, RunResult } from './page/runner.ts';

export interface SessionOptions {
  /** Folder holding the dataset's four IDX files. */
  dataDir: string;
  datasetName: string;
  /** The page's entry module (default cli/page/runner.ts); it sets globalThis.runner. */
  entry?: string;
  browser?: string;
  browserArgs?: string[];
  onProgress?: (p: Progress) => void;
  onEpoch?: (m: EpochMetrics) => void;
}

export interface AdapterReport {
  adapter: { vendor: string; architecture: string; device: string; description: string };
  features: string[];
  userAgent: string;
}

export class BrowserSession {
  private constructor(private readonly browser: Browser, private readonly page: Page, private readonly server: http.Server, readonly datasetUrl: string) {}

  static async open(options: SessionOptions): Promise<BrowserSession> {
    const script = await bundleToString(options.entry ?? 'cli/page/runner.ts');
    const files = new Set<string>(Object.values(IDX_FILES));
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><script type="module" src="/runner.js"></script>');
      if (path === '/runner.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      const file = path.startsWith('/data/') ? path.slice('/data/'.length) : '';
      // Only the four dataset files are served, by exact name: no path from the URL reaches the disk.
      if (files.has(file)) return sendIdxFile(req, res, options.dataDir, file);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let browser: Browser;
    try {
      browser = await launchBrowser({ executablePath: options.browser, extraArgs: options.browserArgs });
    } catch (error) {
      server.close();
      throw new Error(`could not start the browser at ${options.browser ?? 'the default path'}: ${(error as Error).message.split('\n')[0]}`);
    }
    const page = await browser.newPage();
    await page.exposeFunction('reportProgress', (p: Progress) => options.onProgress?.(p));
    await page.exposeFunction('reportEpoch', (m: EpochMetrics) => options.onEpoch?.(m));
    await page.goto(`${origin}/`);
    await page.waitForFunction('globalThis.runner !== undefined');
    return new BrowserSession(browser, page, server, `${origin}/data/`);
  }

  adapter(): Promise<AdapterReport> {
    return this.page.evaluate(() => (globalThis as unknown as { runner: { adapter(): Promise<AdapterReport> } }).runner.adapter());
  }

  train(config: RunConfig): Promise<RunResult> {
    return this.page.evaluate((c) => (globalThis as unknown as { runner: { train(c: RunConfig): Promise<RunResult> } }).runner.train(c), config);
  }

  /** Call `runner[method](...args)` in the page (arguments and result travel as JSON). */
  call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.page.evaluate((m, a) => (globalThis as unknown as { runner: Record<string, (...x: unknown[]) => Promise<unknown>> }).runner[m]!(...a), method, args) as Promise<T>;
  }

  async close(): Promise<void> {
    await this.browser.close();
    this.server.close();
  }
}

/** Errors thrown in the page arrive as "Error: <name>: <message>" text; keep the useful part. */
export function pageErrorMessage(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return message.split('\n')[0]!.replace(/^Error:\s*/, '');
}
