/**
 * Pages of their own in the shared headless Chromium (tests/support/browser.ts), for suites that
 * test what an app does: a script bundled from a file, or an app that reports on the console.
 */
import { bundleToString } from '../../build.mjs';
import { harnessPage, serve } from './browser.ts';

type Routes = Record<string, [string, string | Buffer]>;

async function withPage<T>(routes: Routes, use: (page: import('puppeteer-core').Page, origin: string) => Promise<T>): Promise<T> {
  const { browser } = await harnessPage();
  const { server, origin } = await serve(routes);
  const page = await browser.newPage();
  try {
    return await use(page, origin);
  } finally {
    await page.close();
    server.close();
  }
}

/**
 * Bundle `entry` (which sets globalThis[name] = { [method]: … }), open it beside `routes`, and
 * return what `globalThis[name][method](arg)` resolves to.
 */
export async function callInPage<T>(entry: string, routes: Routes, name: string, method: string, arg: unknown): Promise<T> {
  const script = await bundleToString(entry);
  return withPage({
    '/': ['text/html', '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>'],
    '/page.js': ['text/javascript', script],
    ...routes,
  }, async (page, origin) => {
    await page.goto(`${origin}/`);
    await page.waitForFunction(`globalThis[${JSON.stringify(name)}] !== undefined`);
    return page.evaluate((n, m, a) => (globalThis as unknown as Record<string, Record<string, (a: unknown) => Promise<T>>>)[n]![m]!(a), name, method, arg) as Promise<T>;
  });
}

/** Open `routes` at '/', and resolve with the page's console lines once one matches `done`. */
export function consoleOf(routes: Routes, done: RegExp): Promise<string[]> {
  return withPage(routes, (page, origin) => new Promise<string[]>((resolve, reject) => {
    const lines: string[] = [];
    page.on('console', (m) => {
      lines.push(m.text());
      if (done.test(m.text())) resolve(lines);
    });
    page.on('pageerror', (e) => reject(new Error(`page error: ${(e as Error).message}\n${lines.join('\n')}`)));
    page.goto(`${origin}/`).catch(reject);
    // A safety net, not a timing assert: a page that never finishes fails with what it printed.
    setTimeout(() => reject(new Error(`the page did not finish:\n${lines.join('\n')}`)), 240_000).unref();
  }));
}
