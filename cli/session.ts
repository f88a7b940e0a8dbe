/**
 * The command-line tools' sessions with the runner: a 127.0.0.1 server with the dataset's four IDX
 * files (and the runner page), typed calls each watched for hangs, and errors told in terms of the
 * files on disk. BrowserSession runs the runner in a headless Chromium.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'puppeteer-core';
import { bundleToString } from '../build.mjs';
import { join } from 'node:path';
import { IDX_FILES } from '../src/data/dataset.ts';
import type { EvaluationProgress, Progress } from '../src/train/types.ts';
import { closeBrowser, launchBrowser } from './chromium.ts';
import { idxFileOnDisk, sendIdxFile } from './datasets.ts';
import { CliError, EXIT } from './exit.ts';

export interface SessionOptions {
  /** Folder holding the dataset's four IDX files. */
  dataDir: string;
  datasetName: string;
  /** The page's entry module (default cli/page/runs.ts); it sets globalThis.runner. */
  entry?: string;
  browser?: string;
  browserArgs?: string[];
  onProgress?: (p: Progress) => void;
  /** An evaluation's progress, once per command buffer of its batches. */
  onEvaluation?: (p: EvaluationProgress) => void;
  /**
   * A call that shows no progress for this long has hung (default LENET_PAGE_TIMEOUT seconds, or
   * 900: far beyond one command buffer or one evaluation, even on a CPU fallback).
   */
  idleTimeoutMs?: number;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 1000 * Number(process.env.LENET_PAGE_TIMEOUT ?? 900);

/** Page errors that are the input's fault (dataset files, checkpoints, options): exit code 2, not 1. */
const INPUT_ERRORS = /^(DatasetError|SafetensorsError|CheckpointMismatchError|OpConfigError|RangeError): /;

export interface AdapterReport {
  adapter: { vendor: string; architecture: string; device: string; description: string };
  features: string[];
  userAgent: string;
}

/**
 * Typed calls into the runner (cli/page/runs.ts or another entry), wherever it runs: in a headless
 * browser (BrowserSession) or in this process on Dawn (NodeSession, cli/node-session.ts). Both
 * serve the dataset over HTTP from 127.0.0.1, so the runner loads it the same way.
 */
export abstract class RunnerSession {
  private lastSign = Date.now();

  protected constructor(
    private readonly server: http.Server, readonly datasetUrl: string, private readonly dataDir: string, private readonly idleTimeoutMs: number,
  ) {}

  /**
   * The functions the runner reports through (globals of its page, see cli/page/runs.ts). Any
   * report is a sign of life and restarts the hang watchdog.
   */
  protected static bridges(session: () => RunnerSession, options: SessionOptions): Record<string, (value: never) => void> {
    return {
      reportProgress: (p: Progress) => {
        session().lastSign = Date.now();
        options.onProgress?.(p);
      },
      reportEvaluation: (p: EvaluationProgress) => {
        session().lastSign = Date.now();
        options.onEvaluation?.(p);
      },
    };
  }

  /** Run `runner[method](...args)`; an error must arrive as "Class: message" text (see explain()). */
  protected abstract invoke(method: string, args: unknown[]): Promise<unknown>;

  protected abstract closeRuntime(): Promise<void>;

  adapter(): Promise<AdapterReport> {
    return this.call<AdapterReport>('adapter');
  }

  /**
   * Call `runner[method](...args)` (arguments and result as JSON values). A call that gives no
   * sign of progress for the idle timeout is abandoned with an error naming it.
   */
  call<T>(method: string, ...args: unknown[]): Promise<T> {
    this.lastSign = Date.now();
    const call = this.invoke(method, args) as Promise<T>;
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setInterval(() => {
        const quiet = Date.now() - this.lastSign;
        if (quiet < this.idleTimeoutMs) return;
        reject(new CliError(`the page's ${method}() call gave no sign of progress for ${Math.round(quiet / 1000)} s: the browser or its GPU process hung `
          + '(set LENET_PAGE_TIMEOUT=<seconds> if a step or an evaluation really takes that long here)', EXIT.failure));
      }, Math.min(1000, this.idleTimeoutMs));
    });
    call.catch(() => {});
    return Promise.race([call, hung]).finally(() => clearInterval(timer));
  }

  /**
   * What went wrong in the runner, as one line for the terminal with the exit code it deserves:
   * dataset URLs become the files on disk, input errors (a bad dataset or checkpoint) are code 2.
   */
  explain(error: unknown): CliError {
    if (error instanceof CliError) return error;
    let message = pageErrorText(error);
    for (const name of Object.values(IDX_FILES)) {
      message = message.replaceAll(`${this.datasetUrl}${name}`, idxFileOnDisk(this.dataDir, name) ?? join(this.dataDir, name));
    }
    if (message.startsWith('WebGPUUnavailableError: ')) message = this.noAdapterAdvice(message);
    const code = INPUT_ERRORS.test(message) ? EXIT.usage : EXIT.failure;
    return new CliError(message.replace(/^\w*Error: /, ''), code);
  }

  /** The engine's advice is for someone at a browser; here the runtime is ours to choose. */
  protected abstract noAdapterAdvice(message: string): string;

  async close(): Promise<void> {
    await this.closeRuntime();
    this.server.close();
  }
}

/** A 127.0.0.1 server with the dataset's four IDX files under /data/ and, for a page, the runner at / and /runner.js. */
export async function startRunnerServer(dataDir: string, script: string | null): Promise<{ server: http.Server; origin: string }> {
  const files = new Set<string>(Object.values(IDX_FILES));
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (script !== null && path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><script type="module" src="/runner.js"></script>');
    if (script !== null && path === '/runner.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    const file = path.startsWith('/data/') ? path.slice('/data/'.length) : '';
    // Only the four dataset files are served, by exact name: no path from the URL reaches the disk.
    if (files.has(file)) return sendIdxFile(req, res, dataDir, file);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export class BrowserSession extends RunnerSession {
  private constructor(private readonly browser: Browser, private readonly page: Page, server: http.Server, datasetUrl: string, dataDir: string, idleTimeoutMs: number) {
    super(server, datasetUrl, dataDir, idleTimeoutMs);
  }

  static async open(options: SessionOptions): Promise<BrowserSession> {
    const { server, origin } = await startRunnerServer(options.dataDir, await bundleToString(options.entry ?? 'cli/page/runs.ts'));
    let browser: Browser;
    try {
      browser = await launchBrowser({ executablePath: options.browser, extraArgs: options.browserArgs });
    } catch (error) {
      server.close();
      throw new Error(`could not start the browser at ${options.browser ?? 'the default path'}: ${(error as Error).message.split('\n')[0]}`);
    }
    const page = await browser.newPage();
    const session = new BrowserSession(browser, page, server, `${origin}/data/`, options.dataDir, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    for (const [name, report] of Object.entries(RunnerSession.bridges(() => session, options))) await page.exposeFunction(name, report);
    await page.goto(`${origin}/`);
    await page.waitForFunction('globalThis.runner !== undefined');
    return session;
  }

  protected invoke(method: string, args: unknown[]): Promise<unknown> {
    return this.page.evaluate(async (m, a) => {
      try {
        return await (globalThis as unknown as { runner: Record<string, (...x: unknown[]) => Promise<unknown>> }).runner[m]!(...a);
      } catch (error) {
        // The error's class travels in the message (DevTools keeps only the text): explain() reads it.
        throw new Error(`${(error as Error).name}: ${(error as Error).message}`);
      }
    }, method, args);
  }

  protected noAdapterAdvice(message: string): string {
    return `${message.replace(/ The GPU may be.*$/, '')} The headless browser found no WebGPU adapter: pass --browser with a Chrome that has a GPU`
      + ' (and --browser-arg --use-angle=vulkan on Linux), or check that Chromium and the Vulkan loader (libvulkan1) are installed for SwiftShader.';
  }

  protected closeRuntime(): Promise<void> {
    return closeBrowser(this.browser);
  }
}

/** Errors thrown in the page arrive as "Error: <class>: <message>" text: the first line, with the class. */
function pageErrorText(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return message.split('\n')[0]!.replace(/^Error:\s*/, '');
}

/** A page error's message for the terminal (without its class name). */
export function pageErrorMessage(error: unknown): string {
  return pageErrorText(error).replace(/^\w*Error: /, '');
}
