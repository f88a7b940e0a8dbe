/**
 * Headless Chromium with WebGPU, for the command-line tools and the tests. The browser is the
 * system's (Debian's chromium by default) or whatever CHROME_PATH / PUPPETEER_EXECUTABLE_PATH or
 * --browser names, so a user can point at a Chrome that has a real GPU.
 */
import { mkdtempSync } from 'node:fs';
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

export async function launchBrowser(options: { executablePath?: string; extraArgs?: string[] } = {}): Promise<Browser> {
  return puppeteer.launch({
    executablePath: options.executablePath ?? DEFAULT_BROWSER,
    headless: true,
    userDataDir: mkdtempSync(join(tmpdir(), 'lenet-chrome-')),
    args: [...CHROME_ARGS, ...(options.extraArgs ?? [])],
    protocolTimeout: 0,
  });
}
