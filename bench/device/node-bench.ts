/**
 * Training throughput of the engine on a real GPU through Node + Dawn (the `webgpu` package), for
 * the lent device machine, which has no browser. Synthetic images (throughput does not depend on
 * pixel values). Prints JSON: adapter, then samples/s per variant and batch (min/median/max of 5).
 * Bundle: node bench/device/build.mjs; run: VK_... node .device/node-bench.mjs
 */
import { create, globals } from 'webgpu';
import { Gpu } from '../../src/gpu/gpu.ts';
import { variant, VARIANT_NAMES } from '../../src/model/variants.ts';
import { Trainer, uploadDataset } from '../../src/train/trainer.ts';
import { SeededRandom } from '../../src/random.ts';
import type { Dataset } from '../../src/data/dataset.ts';

Object.assign(globalThis, globals);

function synthetic(count: number, rng: SeededRandom) {
  const images = new Uint8Array(count * 784);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  return { count, rows: 28, cols: 28, images, labels: new Uint8Array(count).map(() => rng.int(10)) };
}

const stats = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]!, max: s.at(-1)! };
};

const gpu = await Gpu.create({ gpu: create([]) as unknown as GPU, powerPreference: 'high-performance' });
const rng = new SeededRandom(1);
const dataset: Dataset = { name: 'synthetic', classNames: [], train: synthetic(60_000, rng), test: synthetic(10_000, rng) };
const data = uploadDataset(gpu, dataset);
const results: unknown[] = [];
const quick = process.argv.includes('--quick');
const batches = quick ? [64] : [64, 256];
for (const batch of batches) {
  for (const name of VARIANT_NAMES) {
    const trainer = new Trainer(gpu, data, { variant: variant(name), batchSize: batch, seed: 0, stepsPerSubmit: 16 });
    const steps = Math.ceil((quick ? 640 : 25_600) / batch);
    await trainer.train({ steps: 16 });
    const rates: number[] = [];
    for (let rep = 0; rep < 5; rep++) {
      const t0 = performance.now();
      await trainer.train({ steps });
      rates.push((steps * batch) / ((performance.now() - t0) / 1000));
    }
    let inference = null;
    if (batch === 64) {
      const t0 = performance.now();
      await trainer.evaluate('test');
      inference = 10_000 / ((performance.now() - t0) / 1000);
    }
    results.push({ engine: 'ours', runtime: 'node+dawn', variant: name, batch, samplesPerSec: stats(rates), inferenceSamplesPerSec: inference });
    console.error(name, batch, stats(rates));
    trainer.dispose();
  }
}
const epochTrainer = new Trainer(gpu, data, { variant: variant('baseline'), seed: 0, stepsPerSubmit: 16 });
const epoch = quick ? null : (await epochTrainer.train({ epochs: 1 })).epochs[0]!;
console.log(JSON.stringify({ adapter: gpu.adapter, results, baselineEpoch: epoch && { trainSeconds: epoch.trainSeconds, samplesPerSecond: epoch.samplesPerSecond } }, null, 2));
process.exit(0);
