/**
 * Headless Chromium with WebGPU, for the command-line tools and the tests. The browser is the
 * system's (Debian's chromium by default) or whatever CHROME_PATH / PUPPETEER_EXECUTABLE_PATH or
 * --browser names, so a user can point at a Chrome that has a real GPU. Each browser gets a fresh
 * profile folder that is removed when it closes, when the process exits (errors, Ctrl-C included).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const DEFAULT_BROWSER = process.env.CHROME_PATH ?? process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium';

/** Flags that let headless Chromium use WebGPU and keep it off the network. */
export const CHROME_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A backstop for any one DevTools call; hangs are caught sooner by BrowserSession's watchdog. */
const PROTOCOL_TIMEOUT_MS = 6 * 3600_000;

const profiles = new Map<string, Browser>();
const removals = new Map<string, Promise<void>>();

/**
 * Remove a closed browser's profile. The main process has exited, but its GPU and network
 * processes may write there a moment longer, so removal is retried for up to three seconds.
 */
function removeProfile(dir: string): Promise<void> {
  const pending = removals.get(dir) ?? (async () => {
    for (let attempt = 0; attempt < 15; attempt++) {
      try {
        rmSync(dir, { recursive: true, force: true });
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    profiles.delete(dir);
  })();
  removals.set(dir, pending);
  return pending;
}

/** At exit (process.exit, an uncaught error, a signal handled by exiting): kill what is left and remove the profiles. */
process.on('exit', () => {
  for (const [dir, browser] of profiles) {
    browser.process()?.kill('SIGKILL');
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    } catch {
      // A browser killed this instant may still be writing; nothing more can be done at exit.
    }
  }
});

export async function launchBrowser(options: { executablePath?: string; extraArgs?: string[] } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'lenet-chrome-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: options.executablePath ?? DEFAULT_BROWSER,
      headless: true,
      userDataDir: profile,
      args: [...CHROME_ARGS, ...(options.extraArgs ?? [])],
      protocolTimeout: PROTOCOL_TIMEOUT_MS,
      // Chromium's own temporary files (org.chromium.Chromium.*) go inside the profile, and with it.
      env: { ...process.env, TMPDIR: profile },
      // The commands handle Ctrl-C themselves: they stop at a step boundary and checkpoint first.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  profiles.set(profile, browser);
  // Closed or crashed: the profile goes once the process has exited (it writes there until then).
  browser.once('disconnected', () => {
    const child = browser.process();
    if (!child || child.exitCode !== null || child.signalCode !== null) void removeProfile(profile);
    else child.once('exit', () => void removeProfile(profile));
  });
  return browser;
}

/** Close a browser from launchBrowser() and remove its profile. */
export async function closeBrowser(browser: Browser): Promise<void> {
  await browser.close();
  for (const [dir, b] of profiles) if (b === browser) await removeProfile(dir);
}
