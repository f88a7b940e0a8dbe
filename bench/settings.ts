/**
 * What a run measures and how long: the full benchmark, and --quick, a smoke run of the same
 * shape (every section, variant and engine, five repetitions) at one small batch — TF.js needs
 * seconds per step at batch 64 on SwiftShader — and on short timings.
 */
import type { MatmulConfig } from './ceiling.ts';
import { PEER_ENGINES, type Engine, type PeerData, type PeerEngine } from './peer.ts';

export interface Settings {
  repetitions: number;
  batches: number[];
  /** Training steps per timed repetition, and before the first (compiling, warming caches), by engine and batch. */
  steps: Record<Engine, Record<number, number>>;
  warmup: Record<Engine, Record<number, number>>;
  peers: PeerEngine[];
  /**
   * What each peer keeps resident. Inference is timed on the first `inferImages` test images for
   * every engine, ours included, in batches of min(evalBatch, inferImages).
   */
  peerData: PeerData;
  evalBatch: number;
  /**
   * Accuracy after the same training for every engine: from a fresh init, `steps` steps of the
   * baseline at `batch`, then test accuracy on the first `peerData.accuracyImages` test images.
   */
  accuracy: { batch: number; steps: number };
  /** The baseline's whole epochs: training images (before the validation split; 0 = all). */
  epoch: { trainLimit: number; validationSize: number; testLimit: number; batch: number };
  matmul: { size: number; configs: MatmulConfig[] };
  seed: number;
}

const TILES: MatmulConfig[] = [[4, 4], [4, 8], [8, 4], [8, 8], [8, 16], [16, 8]]
  .flatMap(([rows, cols]) => [16, 64].map((workgroup) => ({ rows: rows!, cols: cols!, workgroup })))
  .concat([4, 8].flatMap((size) => [16, 64].map((workgroup) => ({ rows: size, cols: size, workgroup, transposedB: true }))));

const PEERS: PeerEngine[] = [...PEER_ENGINES];
const each = <T>(value: T): Record<PeerEngine, T> => Object.fromEntries(PEERS.map((p) => [p, value])) as Record<PeerEngine, T>;

export const FULL: Settings = {
  repetitions: 5,
  batches: [64, 256],
  steps: { ours: { 64: 64, 256: 32 }, 'tfjs-webgpu': { 64: 2, 256: 1 }, 'tfjs-wasm-1t': { 64: 8, 256: 2 }, 'tfjs-wasm-2t': { 64: 8, 256: 2 }, 'jax-js': { 64: 4, 256: 1 } },
  warmup: { ours: { 64: 16, 256: 8 }, ...each({ 64: 2, 256: 1 }) },
  peers: PEERS,
  peerData: { trainImages: 4096, inferImages: 128, accuracyImages: 1000 },
  evalBatch: 500,
  accuracy: { batch: 64, steps: 50 },
  epoch: { trainLimit: 0, validationSize: 12_000, testLimit: 0, batch: 64 },
  matmul: { size: 1024, configs: TILES },
  seed: 0,
};

export const QUICK: Settings = {
  ...FULL,
  batches: [16],
  steps: { ours: { 16: 8 }, ...each({ 16: 1 }) },
  warmup: { ours: { 16: 8 }, ...each({ 16: 1 }) },
  peerData: { trainImages: 512, inferImages: 32, accuracyImages: 100 },
  evalBatch: 100,
  accuracy: { batch: 16, steps: 8 },
  epoch: { trainLimit: 1024, validationSize: 256, testLimit: 200, batch: 64 },
  matmul: { size: 512, configs: [{ rows: 4, cols: 4, workgroup: 64 }, { rows: 8, cols: 8, workgroup: 16 }] },
};

