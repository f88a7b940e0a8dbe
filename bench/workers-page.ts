/**
 * Page side of bench/workers.ts: the demo's two ways to hold several variants' trainers — one
 * TrainingWorker with every trainer added to it (one device, one dataset copy: what the page
 * does), or one worker per variant — trained the demo's way (turns of `steps` steps, variant
 * after variant), and per-variant workers also all at once. The worker script is at /worker.js.
 */
import type { IdxFileKey } from '../src/data/dataset.ts';
import { TrainingWorker, datasetFromBytes, variant, type TrainerOptionsInput } from '../src/index.ts';
import type { VariantName } from '../src/model/variants.ts';

export interface LayoutRequest {
  base64: Record<IdxFileKey, string>;
  options: Omit<TrainerOptionsInput, 'variant'>;
  variants: VariantName[];
  /** Steps per turn, turns per variant in each timed repetition. */
  steps: number;
  turns: number;
}

export type Layout = 'one worker, turns' | 'a worker per variant, turns' | 'a worker per variant, at once';

const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

async function trainers(layout: Layout, r: LayoutRequest): Promise<TrainingWorker[]> {
  const dataset = () => datasetFromBytes('fashion-mnist', Object.fromEntries(Object.entries(r.base64).map(([k, v]) => [k, { name: k, bytes: decode(v) }])) as never);
  const options = (name: VariantName) => ({ ...r.options, variant: variant(name) });
  if (layout === 'one worker, turns') {
    const head = await TrainingWorker.create({ worker: '/worker.js', dataset: await dataset(), options: options(r.variants[0]!) });
    const all = [head];
    for (const name of r.variants.slice(1)) all.push(await head.addTrainer(options(name)));
    await head.compile();
    return all;
  }
  const all = await Promise.all(r.variants.map(async (name) => TrainingWorker.create({ worker: '/worker.js', dataset: await dataset(), options: options(name) })));
  await Promise.all(all.map((t) => t.compile()));
  return all;
}

/** Samples per second over all variants, one timed repetition (after a warm-up step each). */
async function measure(layout: Layout, r: LayoutRequest): Promise<number> {
  const all = await trainers(layout, r);
  // Within the first epoch throughout: no evaluation inside the timed turns.
  const turn = { epochs: 1, steps: r.steps };
  for (const t of all) await t.train({ epochs: 1, steps: 1 });
  const started = performance.now();
  let samples = 0;
  for (let i = 0; i < r.turns; i++) {
    const done = layout === 'a worker per variant, at once'
      ? await Promise.all(all.map((t) => t.train(turn)))
      : await all.reduce(async (list, t) => [...await list, await t.train(turn)], Promise.resolve([] as { steps: number }[]));
    samples += done.reduce((n, d) => n + d.steps, 0) * (r.options.batchSize ?? 64);
  }
  const seconds = (performance.now() - started) / 1000;
  for (const t of all) await t.dispose();
  return samples / seconds;
}

(globalThis as unknown as { layouts: unknown }).layouts = {
  async compare(r: LayoutRequest): Promise<Record<Layout, number>> {
    const result = {} as Record<Layout, number>;
    for (const layout of ['one worker, turns', 'a worker per variant, turns', 'a worker per variant, at once'] as Layout[]) result[layout] = await measure(layout, r);
    return result;
  },
};
