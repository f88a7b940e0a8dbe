/**
 * The benchmark in Node through Dawn (the `webgpu` package), for machines with a GPU and no
 * browser: the bench page's code runs in-process on Dawn's adapter, TF.js included. The page
 * imports WGSL through build.mjs's wgsl plugin, so bundle first:
 *   node bench/device/build.mjs      (writes .device/bench-node.mjs)
 *   node .device/bench-node.mjs [--quick] [--data-dir DIR] [--out FILE]
 */
import { Command } from 'commander';
import { create, globals } from 'webgpu';
import { findDatasetDir } from '../cli/datasets.ts';
import { log, measure, type Session } from './measure.ts';
import type { BenchApi } from './page.ts';
import { printSummary, writeReport } from './report.ts';
import { serve } from './serve.ts';
import { FULL, QUICK } from './settings.ts';

const flags = new Command('bench-node')
  .description('The LeNet-5 benchmark in Node + Dawn (no browser)')
  .option('--quick', 'a smoke run of the same shape', false)
  .option('--out <file>', 'write the full report as JSON')
  .option('--data-dir <dir>', 'folder with the four Fashion-MNIST IDX .gz files')
  .showHelpAfterError()
  .parse(process.argv)
  .opts<{ quick: boolean; out?: string; dataDir?: string }>();

// TF.js's WebGPU backend registers itself only if navigator.gpu exists when it is imported.
// Dawn rounds timestamp-query values unless told not to, too coarse for kernels of microseconds.
Object.assign(globalThis, globals);
const gpu = create(['disable-dawn-features=timestamp_quantization']);
Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `Node.js ${process.version}` }, configurable: true });
const { api } = await import('./page.ts');

class NodeSession implements Session {
  constructor(readonly dataUrl: string) {}

  async call<K extends keyof BenchApi>(name: K, ...args: Parameters<BenchApi[K]>): Promise<Awaited<ReturnType<BenchApi[K]>>> {
    return await (api[name] as (...a: unknown[]) => ReturnType<BenchApi[K]>)(...args);
  }

  async runtime(): Promise<string> {
    return `Node.js ${process.version} + Dawn (webgpu package)`;
  }
}

const { server, origin } = await serve(findDatasetDir('fashion-mnist', flags.dataDir));
try {
  const command = `node bench/node.ts (bundled)${flags.quick ? ' --quick' : ''}${flags.out ? ` --out ${flags.out}` : ''}`;
  const report = await measure(new NodeSession(`${origin}/data/`), flags.quick ? QUICK : FULL, flags.quick, command);
  printSummary(report);
  if (flags.out) writeReport(report, flags.out);
  log('done');
} catch (error) {
  console.error(`bench: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  server.close();
}
// Dawn keeps the event loop alive.
process.exit();
