/**
 * The engines the benchmark compares with ours, all in the same browser: TF.js on WebGPU, TF.js
 * on WASM with one and with two threads (each in its own worker), and jax-js on WebGPU. Each
 * trains the same LeNet-5 with the same init, Adam and batches; a peer trains the variants it
 * can express (`info.variants`).
 */
import type { Dataset } from '../src/data/dataset.ts';
import type { VariantName } from '../src/model/variants.ts';
import { since, snapshot, type Counts } from './counters.ts';

export const PEER_ENGINES = ['tfjs-webgpu', 'tfjs-wasm-1t', 'tfjs-wasm-2t', 'jax-js'] as const;
export type PeerEngine = (typeof PEER_ENGINES)[number];
export type Engine = 'ours' | PeerEngine;

export interface Timed {
  seconds: number;
  counts: Counts;
}

/** What a peer actually runs on, read back from it (the run fails if it is not what was asked). */
export interface PeerInfo {
  engine: PeerEngine;
  version: string;
  /** tf.getBackend() for TF.js, the array's device for jax-js. */
  backend: string;
  variants: VariantName[];
  /** Backend settings and facts worth recording (threads, SIMD, flags, errors met). */
  details: Record<string, unknown>;
}

/** Resident images each peer keeps: training images to gather batches from, and two test subsets. */
export interface PeerData {
  trainImages: number;
  /** Test images for the inference timing, and for the accuracy check (the same for every engine). */
  inferImages: number;
  accuracyImages: number;
}

export interface Peer {
  readonly info: PeerInfo;
  open(variant: VariantName, batch: number, seed: number): Promise<void>;
  /** `steps` training steps, timed to the backend's completion. */
  train(steps: number): Promise<Timed>;
  /** Eval-mode forward over the inference subset in batches of `batch`. */
  infer(batch: number): Promise<Timed & { samples: number }>;
  /** Test accuracy over the accuracy subset. */
  accuracy(batch: number): Promise<number>;
  close(): Promise<void>;
  /** WebGPU validation errors of the peer's device (none for WASM). */
  readonly gpuErrors: string[];
}

export type PeerFactory = (dataset: Dataset, data: PeerData) => Promise<Peer>;

/** Time `work` in this page, with the submits and readbacks it made. */
export async function timed(work: () => Promise<unknown>): Promise<Timed> {
  const counts = snapshot();
  const started = performance.now();
  await work();
  return { seconds: (performance.now() - started) / 1000, counts: since(counts) };
}
