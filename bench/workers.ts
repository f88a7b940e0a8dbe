/**
 * npm run bench:workers [-- --rounds N]: is the demo faster with one TrainingWorker holding every
 * variant's trainer (what it does) or with a worker per variant? Four variants, batch 64, turns
 * of 8 steps as the page gives them, in headless Chromium; the layouts alternate within each
 * round. Prints samples/s per layout per round and the medians, as JSON.
 */
import { Command } from 'commander';
import { bundleToString } from '../build.mjs';
import { VARIANT_NAMES } from '../src/model/variants.ts';
import { callInPage } from '../tests/support/page.ts';
import { syntheticDataset } from '../tests/support/synthetic.ts';
import type { Layout, LayoutRequest } from './workers-page.ts';

const flags = new Command('bench:workers').option('--rounds <n>', 'rounds (each measures every layout once)', '3').parse(process.argv).opts<{ rounds: string }>();
const request: LayoutRequest = {
  // 3,200 training images: 50 steps an epoch, more than a round's turns, so no evaluation is timed.
  base64: syntheticDataset(3200, 100, 7).base64,
  options: { seed: 1, batchSize: 64, validationSize: 0, stepsPerSubmit: 8 },
  variants: [...VARIANT_NAMES], steps: 8, turns: 4,
};
const worker = await bundleToString('src/worker/worker.ts');
const rounds: Record<Layout, number>[] = [];
for (let i = 0; i < Number(flags.rounds); i++) {
  rounds.push(await callInPage<Record<Layout, number>>('bench/workers-page.ts', { '/worker.js': ['text/javascript', worker] }, 'layouts', 'compare', request));
  console.error(JSON.stringify(rounds.at(-1)));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const layouts = Object.keys(rounds[0]!) as Layout[];
console.log(JSON.stringify({ request: { ...request, base64: '(synthetic)' }, rounds, medians: Object.fromEntries(layouts.map((l) => [l, median(rounds.map((r) => r[l]))])) }, null, 2));
