/** The benchmark in headless Chromium: the bench page (and its WASM peers' worker) served on 127.0.0.1, with typed calls into it. */
import type http from 'node:http';
import type { Browser, Page } from 'puppeteer-core';
import { bundleToString } from '../build.mjs';
import { closeBrowser, launchBrowser } from '../cli/chromium.ts';
import type { Session } from './measure.ts';
import type { BenchApi } from './page.ts';
import { serve } from './serve.ts';

/** Without it Chromium rounds timestamp-query values to 100 µs, too coarse for small kernels. */
const BENCH_ARGS = ['--enable-webgpu-developer-features'];

export class BenchSession implements Session {
  private constructor(private readonly browser: Browser, private readonly page: Page, private readonly server: http.Server, readonly dataUrl: string) {}

  static async open(dataDir: string, browser: string, browserArgs: string[]): Promise<BenchSession> {
    const [pageScript, wasmWorker] = await Promise.all([bundleToString('bench/page.ts'), bundleToString('bench/wasm-worker.ts')]);
    const { server, origin } = await serve(dataDir, { page: pageScript, wasmWorker });
    let instance: Browser;
    try {
      instance = await launchBrowser({ executablePath: browser, extraArgs: [...BENCH_ARGS, ...browserArgs] });
    } catch (error) {
      server.close();
      throw error;
    }
    const page = await instance.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction('globalThis.bench !== undefined');
    return new BenchSession(instance, page, server, `${origin}/data/`);
  }

  call<K extends keyof BenchApi>(name: K, ...args: Parameters<BenchApi[K]>): Promise<Awaited<ReturnType<BenchApi[K]>>> {
    return this.page.evaluate((n, a) => {
      const api = (globalThis as unknown as { bench: Record<string, (...x: unknown[]) => unknown> }).bench;
      return api[n]!(...a);
    }, name, args as unknown[]) as Promise<Awaited<ReturnType<BenchApi[K]>>>;
  }

  runtime(): Promise<string> {
    return this.browser.version();
  }

  async close(): Promise<void> {
    await closeBrowser(this.browser);
    this.server.close();
  }
}
