/**
 * npm run bench:kernels -- [--variant NAME...] [--batch N] [--repetitions N] [--ceiling]
 * The working tool for kernel optimization: our training throughput and the per-kernel profile
 * of one step, for the chosen variants, in the same headless Chromium as `npm run bench` but
 * without TF.js or the epochs (seconds instead of half an hour); --ceiling adds the matmul
 * ceiling of every tile the full benchmark tries. Prints only.
 */
import { Command } from 'commander';
import { DEFAULT_BROWSER } from '../cli/chromium.ts';
import { findDatasetDir } from '../cli/datasets.ts';
import { pageErrorMessage } from '../cli/session.ts';
import { VARIANT_NAMES, type VariantName } from '../src/model/variants.ts';
import { trainingFlops } from './flops.ts';
import { summarize } from './summary.ts';
import { kernelReports } from './report.ts';
import { BenchSession } from './session.ts';
import { FULL } from './settings.ts';

interface Flags {
  variant: VariantName[];
  batch: string;
  repetitions: string;
  steps: string;
  ceiling: boolean;
  dataDir?: string;
  browser: string;
}

const flags = new Command('bench:kernels')
  .description('Our training throughput and per-kernel profile, without the peers')
  .option('--variant <name...>', `variants (${VARIANT_NAMES.join(', ')})`, ['baseline'])
  .option('--batch <n>', 'batch size', '64')
  .option('--repetitions <n>', 'timed repetitions', '5')
  .option('--steps <n>', 'training steps per repetition', '32')
  .option('--ceiling', "also time the full benchmark's matmul tiles", false)
  .option('--data-dir <dir>', 'folder with the Fashion-MNIST IDX .gz files')
  .option('--browser <path>', 'Chromium or Chrome executable', DEFAULT_BROWSER)
  .showHelpAfterError()
  .parse(process.argv)
  .opts<Flags>();

const batch = Number(flags.batch);
const repetitions = Number(flags.repetitions);
const steps = Number(flags.steps);
const flopsPerSample = trainingFlops().total;
const session = await BenchSession.open(findDatasetDir('fashion-mnist', flags.dataDir), flags.browser, []);
try {
  // Only our trainer: no peer is started.
  await session.call('load', { url: session.dataUrl, peers: [], data: { trainImages: 0, inferImages: 0, accuracyImages: 0 } });
  const failOnGpuErrors = async () => {
    const errors = await session.call('errors');
    if (errors.ours?.length) throw new Error(`WebGPU validation errors: ${errors.ours.join('; ')}`);
  };
  if (flags.ceiling) {
    for (const c of await session.call('ceiling', FULL.matmul.size, FULL.matmul.configs, repetitions)) {
      const g = summarize(c.gflops);
      console.log(`matmul ${c.size}³ ${c.transposedB ? 'A·Bᵀ ' : ''}${c.rows}×${c.cols}/${c.workgroup}: ${g.median.toFixed(2)} (${g.min.toFixed(2)}–${g.max.toFixed(2)}) GFLOP/s`);
    }
  }
  for (const variant of flags.variant) {
    await session.call('open', { variant, batch, trainLimit: 0, validationSize: 0, testLimit: 1, evalBatch: 1, seed: 0 });
    await session.call('oursTrain', Math.max(4, steps >> 2));
    const rates: number[] = [];
    for (let r = 0; r < repetitions; r++) rates.push((steps * batch) / (await session.call('oursTrain', steps)).seconds);
    await session.call('close');
    const rate = summarize(rates);
    const { kernels, kernelMs } = kernelReports(await session.call('profile', variant, batch, repetitions));
    await failOnGpuErrors();
    console.log(`\n${variant} @ ${batch}: ${rate.median.toFixed(0)} (${rate.min.toFixed(0)}–${rate.max.toFixed(0)}) samples/s, ` +
      `${((rate.median * flopsPerSample) / 1e9).toFixed(2)} GFLOP/s, ${((1000 * batch) / rate.median).toFixed(1)} ms/step, kernels ${kernelMs.toFixed(1)} ms`);
    for (const k of [...kernels].sort((a, b) => b.ms.median - a.ms.median)) {
      console.log(`  ${k.ms.median.toFixed(2).padStart(7)} ms ${(100 * k.share).toFixed(1).padStart(5)}%  ${k.kernel} [${k.workgroups.join('×')}] ${k.tensors.join(' ')}`);
    }
  }
} catch (error) {
  console.error(`bench:kernels: ${pageErrorMessage(error)}`);
  process.exitCode = 1;
} finally {
  await session.close();
}
