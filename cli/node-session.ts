/**
 * `--runtime node`: the runner (cli/page/runs.ts, bundled as for the page) runs in this process on
 * Dawn (the `webgpu` package), so a machine with a GPU needs no GPU-backed Chrome. The bundle sees
 * what a page would: `navigator.gpu` (Dawn's GPU object), WebGPU's constant globals, fetch() of
 * the dataset from the session's 127.0.0.1 server. The study's figures are still drawn by Chart.js
 * in a headless Chromium (a 2-D canvas, no GPU needed), opened only when they are asked for.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleToString } from '../build.mjs';
import { CliError, EXIT } from './exit.ts';
import { BrowserSession, DEFAULT_IDLE_TIMEOUT_MS, RunnerSession, startRunnerServer, type SessionOptions } from './session.ts';

type Runner = Record<string, (...args: unknown[]) => unknown>;

/**
 * The page globals a session defines in this process (navigator.gpu, WebGPU's constants, the
 * runner and its report functions), put back as they were when it closes: the process may go on
 * (a test, another session) and must not look like a browser with WebGPU afterwards.
 */
class PageGlobals {
  private readonly saved = new Map<string, PropertyDescriptor | undefined>();

  define(name: string, value: unknown): void {
    this.remember(name);
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }

  /** Note what `name` is now, before code this session runs sets it. */
  remember(name: string): void {
    if (!this.saved.has(name)) this.saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
  }

  restore(): void {
    for (const [name, before] of this.saved) {
      if (before) Object.defineProperty(globalThis, name, before);
      else delete (globalThis as Record<string, unknown>)[name];
    }
    this.saved.clear();
  }
}

/** Calls the runner leaves to a browser: Chart.js figures need a canvas. */
const BROWSER_CALLS = new Set(['renderFigures']);

export const SWIFTSHADER_HINT = "without a GPU, point Dawn at Chromium's SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json";

export class NodeSession extends RunnerSession {
  private figures: Promise<BrowserSession> | null = null;

  private constructor(
    private readonly runner: Runner, private readonly options: SessionOptions, server: http.Server, datasetUrl: string,
    /** Dawn's instance: held for the session, since a collected instance takes its devices down. */
    readonly instance: GPU,
    private readonly globals: PageGlobals,
  ) {
    super(server, datasetUrl, options.dataDir, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  }

  static async open(options: SessionOptions): Promise<NodeSession> {
    let webgpu: typeof import('webgpu');
    try {
      webgpu = await import('webgpu');
    } catch (error) {
      throw new CliError(`--runtime node needs the \`webgpu\` package (npm install webgpu): ${(error as Error).message.split('\n')[0]}`, EXIT.failure);
    }
    const script = await bundleToString(options.entry ?? 'cli/page/runs.ts');
    const instance = webgpu.create([]);
    // What the bundled runner reads from a page's globals.
    const globals = new PageGlobals();
    for (const [name, value] of Object.entries(webgpu.globals)) {
      if (!(name in globalThis)) globals.define(name, value);
    }
    globals.define('navigator', { gpu: instance, userAgent: `Node.js ${process.version} (webgpu package, Dawn)` });
    globals.remember('runner');
    const { server, origin } = await startRunnerServer(options.dataDir, null);
    const folder = mkdtempSync(join(tmpdir(), 'lenet-runner-'));
    try {
      const file = join(folder, 'runner.mjs');
      writeFileSync(file, script);
      await import(pathToFileURL(file).href);
    } catch (error) {
      server.close();
      globals.restore();
      throw error;
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    const runner = (globalThis as unknown as { runner?: Runner }).runner;
    if (!runner) {
      server.close();
      globals.restore();
      throw new Error(`${options.entry ?? 'cli/page/runs.ts'} did not set globalThis.runner`);
    }
    const session = new NodeSession(runner, options, server, `${origin}/data/`, instance, globals);
    for (const [name, report] of Object.entries(RunnerSession.bridges(() => session, options))) globals.define(name, report);
    return session;
  }

  protected async invoke(method: string, args: unknown[]): Promise<unknown> {
    if (BROWSER_CALLS.has(method)) return this.figureBrowser().then((browser) => browser.call(method, ...args));
    const call = this.runner[method];
    if (!call) throw new Error(`Error: the runner has no ${method}()`);
    try {
      // Plain JSON values both ways, as a page's arguments and results are.
      const result = await call(...(JSON.parse(JSON.stringify(args)) as unknown[]));
      return result === undefined ? undefined : JSON.parse(JSON.stringify(result)) as unknown;
    } catch (error) {
      // The same "Class: message" text a page's error arrives as, for explain().
      throw new Error(`${(error as Error).name}: ${(error as Error).message}`);
    }
  }

  private figureBrowser(): Promise<BrowserSession> {
    this.figures ??= BrowserSession.open({ ...this.options, onProgress: undefined, onEvaluation: undefined }).catch((error: unknown) => {
      throw new CliError(`the figures are drawn in headless Chromium, which did not start (${(error as Error).message}); `
        + 'every run is saved: install Chromium or pass --browser, then continue with --resume', EXIT.failure);
    });
    return this.figures;
  }

  protected noAdapterAdvice(message: string): string {
    return `${message.replace(/ The GPU may be.*$/, '').replace(/ Use a browser.*$/, '')} Dawn (--runtime node) found no adapter: it needs a Vulkan loader `
      + `(Debian: apt-get install libvulkan1) and a GPU driver; ${SWIFTSHADER_HINT}.`;
  }

  protected async closeRuntime(): Promise<void> {
    if (this.figures) await this.figures.then((b) => b.close(), () => {});
    this.globals.restore();
  }
}
