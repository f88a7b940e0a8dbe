/**
 * What a run measures and how long: the full benchmark, and --quick, a smoke run of the same
 * shape (every section and variant, five repetitions) at one small batch — TF.js needs seconds
 * per step at batch 64 on SwiftShader — and on short timings.
 */
import type { MatmulConfig } from './ceiling.ts';

export interface Settings {
  repetitions: number;
  batches: number[];
  /** Training steps per timed repetition, and before the first (compiling, warming caches). */
  oursSteps: Record<number, number>;
  tfjsSteps: Record<number, number>;
  oursWarmup: Record<number, number>;
  tfjsWarmup: number;
  /** Test images each engine evaluates per inference repetition (0: the whole test set). */
  oursTestImages: number;
  tfjsTestImages: number;
  evalBatch: number;
  /** Training images TF.js keeps resident to gather batches from. */
  tfjsImages: number;
  /** The baseline's whole epochs: training images (before the validation split; 0 = all). */
  epoch: { trainLimit: number; validationSize: number; testLimit: number; batch: number };
  matmul: { size: number; configs: MatmulConfig[] };
  seed: number;
}

const TILES: MatmulConfig[] = [[4, 4], [4, 8], [8, 4], [8, 8], [8, 16], [16, 8]]
  .flatMap(([rows, cols]) => [16, 64].map((workgroup) => ({ rows: rows!, cols: cols!, workgroup })))
  .concat([4, 8].flatMap((size) => [16, 64].map((workgroup) => ({ rows: size, cols: size, workgroup, transposedB: true }))));

export const FULL: Settings = {
  repetitions: 5,
  batches: [64, 256],
  oursSteps: { 64: 64, 256: 32 },
  tfjsSteps: { 64: 2, 256: 1 },
  oursWarmup: { 64: 16, 256: 8 },
  tfjsWarmup: 2,
  oursTestImages: 0,
  tfjsTestImages: 128,
  evalBatch: 500,
  tfjsImages: 4096,
  epoch: { trainLimit: 0, validationSize: 12_000, testLimit: 0, batch: 64 },
  matmul: { size: 1024, configs: TILES },
  seed: 0,
};

export const QUICK: Settings = {
  ...FULL,
  batches: [16],
  oursSteps: { 16: 8 },
  tfjsSteps: { 16: 1 },
  oursWarmup: { 16: 8 },
  tfjsWarmup: 1,
  oursTestImages: 1000,
  tfjsTestImages: 32,
  evalBatch: 100,
  tfjsImages: 512,
  epoch: { trainLimit: 1024, validationSize: 256, testLimit: 200, batch: 64 },
  matmul: { size: 512, configs: [{ rows: 4, cols: 4, workgroup: 64 }, { rows: 8, cols: 8, workgroup: 16 }] },
};

