/**
 * The benchmark's measurements, in order: the matmul ceiling; for each variant and batch, our
 * trainer against the peers that express it, in alternating repetitions (plus inference at the
 * first batch); the per-kernel profile; every engine's accuracy after the same training; the
 * baseline's whole epochs. Validation errors void a run.
 */
import { cpus } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { VARIANT_NAMES, type VariantName } from '../src/model/variants.ts';
import type { Counts } from './counters.ts';
import { trainingFlops } from './flops.ts';
import type { OursConfig } from './ours.ts';
import type { BenchApi } from './page.ts';
import type { Engine, PeerEngine, Timed } from './peer.ts';
import { kernelReports, perStep, type Accuracy, type Inference, type Profile, type Ratio, type Report, type Throughput } from './report.ts';
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
  for (const [engine, errors] of Object.entries(await session.call('errors'))) {
    if (errors.length) throw new Error(`${engine} raised WebGPU errors: ${errors.slice(0, 3).join(' | ')}`);
  }
}

const train = (session: Session, engine: Engine, steps: number) =>
  engine === 'ours' ? session.call('oursTrain', steps) : session.call('peerTrain', engine, steps);

/** Our trainer and the peers that express the variant, for one (variant, batch), alternating repetitions. */
async function compare(session: Session, s: Settings, config: OursConfig, peers: PeerEngine[]) {
  const { memory } = await session.call('open', config, peers);
  const batch = config.batch;
  const engines: Engine[] = ['ours', ...peers];
  for (const engine of engines) await train(session, engine, s.warmup[engine][batch]!);
  const rates = Object.fromEntries(engines.map((e) => [e, [] as number[]])) as Record<Engine, number[]>;
  const counts = Object.fromEntries(engines.map((e) => [e, [] as Counts[]])) as Record<Engine, Counts[]>;
  for (let rep = 0; rep < s.repetitions; rep++) {
    // Alternate the order, so drift of the machine's speed hits every engine alike.
    for (const engine of rep % 2 ? [...engines].reverse() : engines) {
      const steps = s.steps[engine][batch]!;
      const timed = await train(session, engine, steps);
      rates[engine].push((steps * batch) / timed.seconds);
      counts[engine].push(timed.counts);
    }
  }
  log(`  ${config.variant} batch ${batch}: ${engines.map((e) => `${e} ${summarize(rates[e]).median.toFixed(1)}`).join(', ')} samples/s`);
  const inference: Inference[] = [];
  if (batch === s.batches[0]) {
    const inferRates = Object.fromEntries(engines.map((e) => [e, [] as number[]])) as Record<Engine, number[]>;
    const images: Partial<Record<Engine, number>> = {};
    const infer = (engine: Engine): Promise<Timed & { samples: number }> =>
      engine === 'ours' ? session.call('oursInfer') : session.call('peerInfer', engine, s.evalBatch);
    // The same test images for every engine; one untimed pass first (compiling, warming caches).
    for (const engine of engines) await infer(engine);
    for (let rep = 0; rep < s.repetitions; rep++) {
      for (const engine of rep % 2 ? [...engines].reverse() : engines) {
        const timed = await infer(engine);
        inferRates[engine].push(timed.samples / timed.seconds);
        images[engine] = timed.samples;
      }
    }
    for (const engine of engines) {
      inference.push({ engine, variant: config.variant, batch: Math.min(s.evalBatch, images[engine]!), images: images[engine]!, samplesPerSec: summarize(inferRates[engine]) });
    }
  }
  await session.call('close');
  await checkErrors(session);
  const oursOver = Object.fromEntries(peers.map((p) => [p, summarize(rates.ours.map((o, i) => o / rates[p][i]!))]));
  const fastest = peers.reduce<PeerEngine | null>((a, b) => (a === null || summarize(rates[b]).median > summarize(rates[a]).median ? b : a), null);
  return {
    throughput: engines.map((engine): Throughput => ({
      engine, variant: config.variant, batch, samplesPerSec: summarize(rates[engine]), stepsPerRepetition: s.steps[engine][batch]!, ...perStep(counts[engine], s.steps[engine][batch]!),
    })),
    ratio: fastest && ({ variant: config.variant, batch, fastestPeer: fastest, oursOverFastestPeer: oursOver[fastest]!, oursOver } as Ratio),
    inference,
    memory: { ...memory, variant: config.variant, batch },
  };
}

/** Every engine from a fresh init trains the baseline for the same steps, then is tested on the same images. */
async function accuracies(session: Session, s: Settings, peers: PeerEngine[]): Promise<Accuracy[]> {
  const { batch, steps } = s.accuracy;
  const testImages = s.peerData.accuracyImages;
  const config: OursConfig = { variant: 'baseline', batch, trainLimit: 0, validationSize: 0, testLimit: testImages, evalBatch: s.evalBatch, seed: s.seed };
  await session.call('open', config, peers);
  const result: Accuracy[] = [];
  for (const engine of ['ours', ...peers] as Engine[]) {
    await train(session, engine, steps);
    result.push({ engine, variant: 'baseline', batch, steps, testImages, testAccuracy: await session.call('accuracy', engine, s.evalBatch) });
  }
  await session.call('close');
  await checkErrors(session);
  log(`  test accuracy after ${steps} steps at batch ${batch}: ${result.map((a) => `${a.engine} ${(100 * a.testAccuracy).toFixed(1)}%`).join(', ')}`);
  return result;
}

/** Every section of the benchmark, in one session; `command` is recorded in the report. */
export async function measure(session: Session, s: Settings, quick: boolean, command: string): Promise<Report> {
  const flops = trainingFlops();
  log(`one training sample: ${flops.layers.map((l) => `${l.layer} ${((l.forward + l.weightGradient + l.inputGradient) / 1e3).toFixed(1)}k`).join(' + ')} = ${flops.total} FLOP`);
  const version = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  // jax-js exports no version; read the installed one, which the page bundles (bench/node.ts's
  // bundle runs on machines without node_modules).
  const jaxFile = 'node_modules/@jax-js/jax/package.json';
  const jaxJs = existsSync(jaxFile) ? version(jaxFile) : `unknown (no ${jaxFile} here)`;
  const info = await session.call('load', { url: session.dataUrl, peers: s.peers, data: s.peerData });
  // jax-js has no version export; the one installed is the one bundled into the page.
  const peers = info.peers.map((p) => (p.engine === 'jax-js' ? { ...p, version: jaxJs } : p));
  log(`adapter: ${JSON.stringify(info.adapter)}; cross-origin isolated: ${info.crossOriginIsolated}`);
  for (const p of peers) log(`  ${p.engine}: ${p.version} on ${p.backend} ${JSON.stringify(p.details)}`);
  for (const [engine, error] of Object.entries(info.unavailable)) log(`  ${engine} did not start: ${error}`);
  const peersFor = (variant: VariantName) => info.peers.filter((p) => p.variants.includes(variant)).map((p) => p.engine);

  log(`matmul ceiling (${s.matmul.size}³)…`);
  const configs = (await session.call('ceiling', s.matmul.size, s.matmul.configs, s.repetitions)).map((c) => ({ ...c, median: summarize(c.gflops) }));
  const best = configs.reduce((a, b) => (b.median.median > a.median.median ? b : a));

  log('training throughput, ours vs the peers…');
  const throughput: Throughput[] = [];
  const ratios: Ratio[] = [];
  const inference: Inference[] = [];
  const memory: Report['memory'] = [];
  for (const variant of VARIANT_NAMES) {
    for (const batch of s.batches) {
      const config: OursConfig = {
        variant, batch, trainLimit: 0, validationSize: 0, testLimit: s.peerData.inferImages, evalBatch: s.evalBatch, seed: s.seed,
      };
      const result = await compare(session, s, config, peersFor(variant));
      throughput.push(...result.throughput);
      if (result.ratio) ratios.push(result.ratio);
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

  log('accuracy after the same steps…');
  const accuracy = await accuracies(session, s, peersFor('baseline'));

  log('baseline epochs…');
  const e = s.epoch;
  const epochConfig: OursConfig = { variant: 'baseline', batch: e.batch, trainLimit: e.trainLimit, validationSize: e.validationSize, testLimit: e.testLimit, evalBatch: s.evalBatch, seed: s.seed };
  const epochs = await session.call('epoch', epochConfig, s.repetitions);
  await checkErrors(session);

  const gflops = (rate: number) => (rate * flops.total) / 1e9;
  const ceilingGflops = best.median.median;
  return {
    benchmark: 'lenet-webgpu',
    date: new Date().toISOString(),
    command,
    quick,
    device: { ...info.adapter, features: info.features, limits: info.limits, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', platform: process.platform },
    versions: {
      engine: version('package.json'), node: process.version, runtime: await session.runtime(), userAgent: info.userAgent,
      tfjs: peers.find((p) => p.engine.startsWith('tfjs'))?.version ?? 'not run', jaxJs,
    },
    crossOriginIsolated: info.crossOriginIsolated,
    peers,
    unavailable: info.unavailable,
    settings: s,
    flops: { perTrainingSample: flops.total, perInferenceSample: flops.forward, layers: flops.layers },
    throughput,
    ratios,
    inference,
    accuracy,
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

