/**
 * npm run bench:epoch [-- --out FILE] [--runtime node]: each of the four variants trains one full
 * epoch of Fashion-MNIST (the study's settings) in headless Chromium, or on Dawn in this process;
 * prints and writes JSON with samples/s and the epoch's accuracies, naming the adapter and runtime.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { VARIANT_NAMES } from '../src/model/variants.ts';
import { DEFAULT_BROWSER } from '../cli/chromium.ts';
import { findDatasetDir } from '../cli/datasets.ts';
import type { EpochOutcome, OpenedRun, OpenRun } from '../cli/page/runs.ts';
import { openSession, runtimeOption, type Runtime } from '../cli/runtime.ts';

const flags = new Command('bench:epoch')
  .option('--out <file>', 'JSON output', 'bench/results/epoch.json')
  .option('--browser <path>', 'Chromium or Chrome executable', DEFAULT_BROWSER)
  .option('--seed <n>', 'seed', (v) => Number(v), 0)
  .option('--train-limit <n>', 'only the first N training images (0 = all; a smoke test, not the benchmark)', (v) => Number(v), 0)
  .addOption(runtimeOption())
  .parse(process.argv).opts<{ out: string; browser: string; seed: number; trainLimit: number; runtime: Runtime }>();

const started = Date.now();
const session = await openSession(flags.runtime, { dataDir: findDatasetDir('fashion-mnist'), datasetName: 'fashion-mnist', browser: flags.browser });
try {
  const adapter = await session.adapter();
  const variants = [];
  for (const variant of VARIANT_NAMES) {
    const run = await session.call<OpenedRun>('open', {
      dataset: { name: 'fashion-mnist', url: session.datasetUrl }, variant, variantOverrides: {}, options: { seed: flags.seed, trainLimit: flags.trainLimit, ...(flags.trainLimit > 0 && { validationSize: Math.floor(flags.trainLimit / 5) }) },
    } satisfies OpenRun);
    const outcome = await session.call<EpochOutcome>('trainEpoch', run.id);
    await session.call('close', run.id);
    if ('diverged' in outcome) throw new Error(outcome.diverged);
    const epoch = outcome.metrics!;
    const entry = {
      variant, samplesPerSecond: epoch.samplesPerSecond, trainSeconds: epoch.trainSeconds,
      trainAccuracy: epoch.trainAccuracy, validationAccuracy: epoch.validationAccuracy, testAccuracy: epoch.testAccuracy,
    };
    console.error(JSON.stringify(entry));
    variants.push(entry);
  }
  const result = { adapter: adapter.adapter, runtime: flags.runtime, browser: adapter.userAgent, seed: flags.seed, trainLimit: flags.trainLimit, wallSeconds: (Date.now() - started) / 1000, variants };
  writeFileSync(flags.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await session.close();
}
