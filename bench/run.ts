/**
 * npm run bench -- [--quick] [--out FILE]
 * Training throughput of the four variants against the in-browser peers — TensorFlow.js on WebGPU
 * and on WASM (1 and 2 threads), jax-js on WebGPU — (same model, same browser, alternating
 * repetitions), inference, accuracy after the same steps, epoch time, the matmul ceiling, GPU
 * memory, and a per-kernel profile of one training step. Prints a short table; --out writes
 * everything as JSON.
 */
import { Command } from 'commander';
import { DEFAULT_BROWSER } from '../cli/chromium.ts';
import { findDatasetDir } from '../cli/datasets.ts';
import { pageErrorMessage } from '../cli/session.ts';
import { log, measure } from './measure.ts';
import { printSummary, writeReport, type Report } from './report.ts';
import { BenchSession } from './session.ts';
import { FULL, QUICK } from './settings.ts';

interface Flags {
  quick: boolean;
  out?: string;
  dataDir?: string;
  browser: string;
  browserArg: string[];
}

const program = new Command('bench')
  .description('Benchmark LeNet-5 training on WebGPU against TF.js (WebGPU, WASM) and jax-js, and the device ceiling')
  .option('--quick', 'a smoke run of the same shape in a minute or two', false)
  .option('--out <file>', 'write the full report as JSON')
  .option('--data-dir <dir>', 'folder with the four Fashion-MNIST IDX .gz files (default: ./data/fashion-mnist or /usr/share/datasets/fashion-mnist)')
  .option('--browser <path>', 'Chromium or Chrome executable', DEFAULT_BROWSER)
  .option('--browser-arg <flag...>', 'extra browser flags (e.g. --use-angle=vulkan)', [])
  .showHelpAfterError();

async function main(): Promise<void> {
  const flags = program.parse(process.argv).opts<Flags>();
  const command = `npm run bench --${flags.quick ? ' --quick' : ''}${flags.out ? ` --out ${flags.out}` : ''}`;
  let report: Report;
  try {
    const session = await BenchSession.open(findDatasetDir('fashion-mnist', flags.dataDir), flags.browser, flags.browserArg);
    try {
      report = await measure(session, flags.quick ? QUICK : FULL, flags.quick, command);
    } finally {
      await session.close();
    }
  } catch (error) {
    console.error(`bench: ${pageErrorMessage(error)}`);
    process.exit(1);
  }
  printSummary(report);
  if (flags.out) writeReport(report, flags.out);
  log('done');
}

await main();
