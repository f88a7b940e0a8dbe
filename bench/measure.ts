/**
 * The benchmark's measurements, in order: the matmul ceiling; for each variant and batch, our
 * trainer against the TF.js peer in alternating repetitions (plus inference at the first batch);
 * the per-kernel profile; the baseline's whole epochs. Validation errors void a run.
 */
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { VARIANT_NAMES } from '../src/model/variants.ts';
import type { Counts } from './counters.ts';
import { trainingFlops } from './flops.ts';
import type { OursConfig } from './ours.ts';
import type { BenchApi } from './page.ts';
import { kernelReports, perStep, type Inference, type Profile, type Ratio, type Report, type Throughput } from './report.ts';
import type { Settings } from './settings.ts';
import { summarize } from './summary.ts';

const started = Date.now();
/** Progress goes to stderr with the seconds since start; the summary goes to stdout. */
export const log = (line: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`);

/** Where the bench page's functions run: headless Chromium (session.ts) or Node + Dawn (node.ts). */
export interface Session {
  call<K extends keyof BenchApi>(name: K, ...args: Parameters<BenchApi[K]>): Promise<Awaited<ReturnType<BenchApi[K]>>>;
  /** URL of the folder serving the dataset's four IDX files. */
  readonly dataUrl: string;
  /** What runs WebGPU: the browser's version, or Node's and Dawn's. */
  runtime(): Promise<string>;
}

/** A WebGPU validation error drops the work it touched, so the figures measured around it are void. */
async function checkErrors(session: Session): Promise<void> {
  const errors = await session.call('errors');
  for (const engine of ['ours', 'tfjs'] as const) {
    if (errors[engine].length) throw new Error(`${engine === 'ours' ? 'our engine' : 'TF.js'} raised WebGPU errors: ${errors[engine].slice(0, 3).join(' | ')}`);
  }
}

type Engine = 'ours' | 'tfjs';
const ENGINES: Engine[] = ['ours', 'tfjs'];

/** Our trainer and the TF.js peer for one (variant, batch), alternating repetitions. */
async function compare(session: Session, s: Settings, config: OursConfig) {
  const { memory } = await session.call('open', config);
  const batch = config.batch;
  const steps = { ours: s.oursSteps[batch]!, tfjs: s.tfjsSteps[batch]! };
  const train = (engine: Engine, n: number) => session.call(engine === 'ours' ? 'oursTrain' : 'tfjsTrain', n);
  await train('ours', s.oursWarmup[batch]!);
  await train('tfjs', s.tfjsWarmup);
  const rates = { ours: [] as number[], tfjs: [] as number[] };
  const counts = { ours: [] as Counts[], tfjs: [] as Counts[] };
  for (let rep = 0; rep < s.repetitions; rep++) {
    // Alternate who goes first, so drift of the machine's speed hits both sides alike.
    for (const engine of rep % 2 ? [...ENGINES].reverse() : ENGINES) {
      const timed = await train(engine, steps[engine]);
      rates[engine].push((steps[engine] * batch) / timed.seconds);
      counts[engine].push(timed.counts);
    }
  }
  log(`  ${config.variant} batch ${batch}: ours ${summarize(rates.ours).median.toFixed(0)}, TF.js ${summarize(rates.tfjs).median.toFixed(1)} samples/s`);
  const inference: Inference[] = [];
  if (batch === s.batches[0]) {
    const inferRates = { ours: [] as number[], tfjs: [] as number[] };
    const images = { ours: 0, tfjs: 0 };
    for (let rep = 0; rep < s.repetitions; rep++) {
      for (const engine of ENGINES) {
        const timed = engine === 'ours' ? await session.call('oursInfer') : await session.call('tfjsInfer', s.evalBatch);
        inferRates[engine].push(timed.samples / timed.seconds);
        images[engine] = timed.samples;
      }
    }
    for (const engine of ENGINES) {
      inference.push({ engine, variant: config.variant, batch: Math.min(s.evalBatch, images[engine]), images: images[engine], samplesPerSec: summarize(inferRates[engine]) });
    }
  }
  await session.call('close');
  await checkErrors(session);
  return {
    throughput: ENGINES.map((engine): Throughput => ({
      engine, variant: config.variant, batch, samplesPerSec: summarize(rates[engine]), stepsPerRepetition: steps[engine], ...perStep(counts[engine], steps[engine]),
    })),
    ratio: { variant: config.variant, batch, oursOverTfjs: summarize(rates.ours.map((o, i) => o / rates.tfjs[i]!)) } as Ratio,
    inference,
    memory: { ...memory, variant: config.variant, batch },
  };
}

/** Every section of the benchmark, in one session; `command` is recorded in the report. */
export async function measure(session: Session, s: Settings, quick: boolean, command: string): Promise<Report> {
  const flops = trainingFlops();
  log(`one training sample: ${flops.layers.map((l) => `${l.layer} ${((l.forward + l.weightGradient + l.inputGradient) / 1e3).toFixed(1)}k`).join(' + ')} = ${flops.total} FLOP`);
  const info = await session.call('load', { url: session.dataUrl, tfjsImages: s.tfjsImages, tfjsTestImages: s.tfjsTestImages });
  log(`adapter: ${JSON.stringify(info.adapter)}; TF.js ${info.tfjs.version} on ${info.tfjs.backend}`);

  log(`matmul ceiling (${s.matmul.size}³)…`);
  const configs = (await session.call('ceiling', s.matmul.size, s.matmul.configs, s.repetitions)).map((c) => ({ ...c, median: summarize(c.gflops) }));
  const best = configs.reduce((a, b) => (b.median.median > a.median.median ? b : a));

  log('training throughput, ours vs TF.js…');
  const throughput: Throughput[] = [];
  const ratios: Ratio[] = [];
  const inference: Inference[] = [];
  const memory: Report['memory'] = [];
  for (const variant of VARIANT_NAMES) {
    for (const batch of s.batches) {
      const config: OursConfig = {
        variant, batch, trainLimit: 0, validationSize: 0, testLimit: s.oursTestImages, evalBatch: s.evalBatch, seed: s.seed,
      };
      const result = await compare(session, s, config);
      throughput.push(...result.throughput);
      ratios.push(result.ratio);
      inference.push(...result.inference);
      memory.push(result.memory);
    }
  }

  const profile: Profile[] = [];
  const timestamps = info.features.includes('timestamp-query');
  log(timestamps ? 'per-kernel profile…' : 'no per-kernel profile: the adapter offers no timestamp-query');
  for (const variant of timestamps ? VARIANT_NAMES : []) {
    for (const batch of s.batches) {
      const { kernels, kernelMs } = kernelReports(await session.call('profile', variant, batch, s.repetitions));
      const ours = throughput.find((t) => t.engine === 'ours' && t.variant === variant && t.batch === batch)!;
      profile.push({ variant, batch, kernelMs, stepMs: (1000 * batch) / ours.samplesPerSec.median, kernels });
    }
  }

  log('baseline epochs…');
  const e = s.epoch;
  const epochConfig: OursConfig = { variant: 'baseline', batch: e.batch, trainLimit: e.trainLimit, validationSize: e.validationSize, testLimit: e.testLimit, evalBatch: s.evalBatch, seed: s.seed };
  const epochs = await session.call('epoch', epochConfig, s.repetitions);
  await checkErrors(session);

  const gflops = (rate: number) => (rate * flops.total) / 1e9;
  const ceilingGflops = best.median.median;
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  return {
    benchmark: 'lenet-webgpu',
    date: new Date().toISOString(),
    command,
    quick,
    device: { ...info.adapter, features: info.features, limits: info.limits, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', platform: process.platform },
    versions: { engine: pkg.version, node: process.version, runtime: await session.runtime(), userAgent: info.userAgent, tfjs: info.tfjs.version },
    tfjs: { backend: info.tfjs.backend, flags: info.tfjs.flags },
    settings: s,
    flops: { perTrainingSample: flops.total, perInferenceSample: flops.forward, layers: flops.layers },
    throughput,
    ratios,
    inference,
    epoch: {
      variant: 'baseline', batch: epochs.batch, trainImages: epochs.trainImages, steps: epochs.steps, stepsPerSubmit: epochs.stepsPerSubmit, epochs: epochs.trainSeconds.length,
      trainSeconds: summarize(epochs.trainSeconds),
      samplesPerSec: summarize(epochs.trainSeconds.map((t) => (epochs.steps * epochs.batch) / t)),
      submitsPerEpoch: summarize(epochs.training.map((c) => c.submits)),
      readbacksPerEpoch: summarize(epochs.training.map((c) => c.readbacks)),
      evaluationSubmits: summarize(epochs.evaluation.map((c) => c.submits)),
      evaluationReadbacks: summarize(epochs.evaluation.map((c) => c.readbacks)),
      testAccuracy: summarize(epochs.testAccuracy),
    },
    ceiling: {
      matmul: best,
      configs,
      ours: throughput.filter((t) => t.engine === 'ours').map((t) => {
        const rates = [t.samplesPerSec.min, t.samplesPerSec.median, t.samplesPerSec.max].map(gflops);
        return {
          variant: t.variant, batch: t.batch,
          gflops: summarize(rates),
          fractionOfMatmul: summarize(rates.map((g) => g / ceilingGflops)),
        };
      }),
    },
    memory,
    profile,
  };
}

