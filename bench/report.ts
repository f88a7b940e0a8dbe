/** The benchmark's JSON (what --out writes) and the short table printed to the terminal. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MatmulResult } from './ceiling.ts';
import type { Counts } from './counters.ts';
import type { LayerFlops } from './flops.ts';
import type { MemoryReport } from './ours.ts';
import type { PageInfo } from './page.ts';
import type { Engine, PeerEngine, PeerInfo } from './peer.ts';
import type { KernelTiming } from './profile.ts';
import type { Settings } from './settings.ts';
import { summarize, type Summary } from './summary.ts';

export interface Throughput {
  engine: Engine;
  variant: string;
  batch: number;
  samplesPerSec: Summary;
  stepsPerRepetition: number;
  /** Queue submits and buffer maps per training step, as counted in the page. */
  submitsPerStep: number;
  readbacksPerStep: number;
}

export interface Ratio {
  variant: string;
  batch: number;
  /** The peer with the highest median samples/s for this (variant, batch). */
  fastestPeer: PeerEngine;
  /** ours / peer samples/s of the repetitions run back to back, for the fastest and for each peer. */
  oursOverFastestPeer: Summary;
  oursOver: Partial<Record<PeerEngine, Summary>>;
}

/** Test accuracy after the same training from a fresh init, on the same test images. */
export interface Accuracy {
  engine: Engine;
  variant: string;
  batch: number;
  steps: number;
  testImages: number;
  testAccuracy: number;
}

export interface Inference {
  engine: Engine;
  variant: string;
  batch: number;
  images: number;
  samplesPerSec: Summary;
}

export interface KernelReport {
  index: number;
  kernel: string;
  workgroups: readonly [number, number, number];
  tensors: string[];
  ms: Summary;
  /** Share of the step's summed kernel time (medians). */
  share: number;
}

export interface Profile {
  variant: string;
  batch: number;
  /** Sum of the kernels' medians: one step's GPU time without the passes' overhead. */
  kernelMs: number;
  /** One step's time in the throughput run (batch ÷ median samples/s), for comparison. */
  stepMs: number;
  kernels: KernelReport[];
}

export interface Report {
  benchmark: 'lenet-webgpu';
  date: string;
  command: string;
  quick: boolean;
  device: PageInfo['adapter'] & { features: readonly string[]; limits: Record<string, number>; cpus: number; cpuModel: string; platform: string };
  versions: { engine: string; node: string; runtime: string; userAgent: string; tfjs: string; jaxJs: string };
  /** Whether the page was cross-origin isolated (the WASM backend's threads need it). */
  crossOriginIsolated: boolean;
  /** What each peer actually ran on (tf.getBackend(), threads, jax-js's device), as read back from it. */
  peers: PeerInfo[];
  unavailable: PageInfo['unavailable'];
  settings: Settings;
  flops: { perTrainingSample: number; perInferenceSample: number; layers: LayerFlops[] };
  throughput: Throughput[];
  ratios: Ratio[];
  inference: Inference[];
  accuracy: Accuracy[];
  epoch: {
    variant: 'baseline';
    batch: number;
    trainImages: number;
    steps: number;
    stepsPerSubmit: number;
    epochs: number;
    trainSeconds: Summary;
    samplesPerSec: Summary;
    submitsPerEpoch: Summary;
    readbacksPerEpoch: Summary;
    /** The end-of-epoch evaluation (validation and test sets), counted apart. */
    evaluationSubmits: Summary;
    evaluationReadbacks: Summary;
    testAccuracy: Summary;
  };
  ceiling: {
    matmul: MatmulResult & { median: Summary };
    configs: (MatmulResult & { median: Summary })[];
    ours: { variant: string; batch: number; gflops: Summary; fractionOfMatmul: Summary }[];
  };
  memory: (MemoryReport & { variant: string; batch: number })[];
  profile: Profile[];
}

export function kernelReports(timings: KernelTiming[]): { kernels: KernelReport[]; kernelMs: number } {
  const medians = timings.map((t) => summarize(t.ms));
  const kernelMs = medians.reduce((s, m) => s + m.median, 0);
  return {
    kernelMs,
    kernels: timings.map((t, i) => ({
      index: t.index, kernel: t.kernel, workgroups: t.workgroups, tensors: t.tensors, ms: medians[i]!, share: medians[i]!.median / kernelMs,
    })),
  };
}

export function perStep(counts: Counts[], steps: number): { submitsPerStep: number; readbacksPerStep: number } {
  const total = counts.reduce((s, c) => ({ submits: s.submits + c.submits, readbacks: s.readbacks + c.readbacks }), { submits: 0, readbacks: 0 });
  return { submitsPerStep: total.submits / (steps * counts.length), readbacksPerStep: total.readbacks / (steps * counts.length) };
}

const fixed = (x: number, digits = 0) => x.toFixed(digits);
const range = (s: Summary, digits = 0) => `${fixed(s.median, digits)} (${fixed(s.min, digits)}–${fixed(s.max, digits)})`;

/** The short table: medians, with min–max where it matters. */
export function printSummary(r: Report, log: (line: string) => void = console.log): void {
  log(`\n${r.device.vendor} ${r.device.architecture} ${r.device.description} · ${r.versions.runtime} · TF.js ${r.versions.tfjs} · jax-js ${r.versions.jaxJs}`);
  for (const p of r.peers) log(`${p.engine}: ${p.backend}${p.engine.startsWith('tfjs-wasm') ? `, ${p.details.threads} thread(s)` : ''}; ${p.variants.join(', ')}`);
  for (const [engine, error] of Object.entries(r.unavailable)) log(`${engine}: did not run (${error})`);
  log(`one training sample = ${(r.flops.perTrainingSample / 1e6).toFixed(3)} MFLOP (conv + linear, forward + backward); ` +
    `matmul ceiling ${range(r.ceiling.matmul.median, 2)} GFLOP/s (${r.ceiling.matmul.size}³${r.ceiling.matmul.transposedB ? ' A·Bᵀ' : ''}, ${r.ceiling.matmul.rows}×${r.ceiling.matmul.cols} per thread, workgroup ${r.ceiling.matmul.workgroup})\n`);
  const rows = r.ratios.map((ratio) => {
    const same = (x: { variant: string; batch: number }) => x.variant === ratio.variant && x.batch === ratio.batch;
    const ours = r.throughput.find((t) => t.engine === 'ours' && same(t))!;
    const peer = r.throughput.find((t) => t.engine === ratio.fastestPeer && same(t))!;
    return {
      variant: ratio.variant,
      batch: ratio.batch,
      'ours samples/s': range(ours.samplesPerSec),
      'fastest peer': ratio.fastestPeer,
      'peer samples/s': range(peer.samplesPerSec, 1),
      'ours/peer': `${fixed(ratio.oursOverFastestPeer.median, 1)}×`,
      'GFLOP/s': fixed(r.ceiling.ours.find(same)!.gflops.median, 2),
      'of matmul': `${fixed(100 * r.ceiling.ours.find(same)!.fractionOfMatmul.median)}%`,
      'GPU MiB': fixed(r.memory.find(same)!.totalBytes / 2 ** 20, 2),
    };
  });
  console.table(rows);
  for (const ratio of r.ratios) {
    log(`${ratio.variant} batch ${ratio.batch}, ours over each peer: ${Object.entries(ratio.oursOver).map(([p, x]) => `${p} ${fixed(x.median, 1)}×`).join(', ')}`);
  }
  log(`test accuracy after ${r.accuracy[0]?.steps} baseline steps at batch ${r.accuracy[0]?.batch} (${r.accuracy[0]?.testImages} test images): ` +
    r.accuracy.map((a) => `${a.engine} ${fixed(100 * a.testAccuracy, 1)}%`).join(', '));
  for (const i of r.inference) log(`inference ${i.engine} ${i.variant}: ${range(i.samplesPerSec)} samples/s over ${i.images} test images (batch ${i.batch})`);
  const e = r.epoch;
  log(`epoch (baseline, ${e.trainImages} images, batch ${e.batch}): ${range(e.trainSeconds, 1)} s training, ${range(e.samplesPerSec)} samples/s; ` +
    `${fixed(e.submitsPerEpoch.median)} submits and ${fixed(e.readbacksPerEpoch.median)} readbacks for ${e.steps} steps (+ ${fixed(e.evaluationSubmits.median)}/${fixed(e.evaluationReadbacks.median)} in evaluation)`);
  for (const p of r.profile) {
    const top = [...p.kernels].sort((a, b) => b.ms.median - a.ms.median).slice(0, 4);
    log(`slowest kernels, ${p.variant} batch ${p.batch} (${fixed(p.kernelMs, 1)} ms of kernels, ${fixed(p.stepMs, 1)} ms per step): ` +
      top.map((k) => `${k.kernel.split(':')[1]} #${k.index} ${fixed(k.ms.median, 2)} ms (${fixed(100 * k.share)}%)`).join(', '));
  }
}

export function writeReport(report: Report, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
