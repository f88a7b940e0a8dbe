/**
 * Checkpoints: everything needed to continue a run exactly — weights, optimizer moments, running
 * statistics, the epoch's metric accumulators, the position (epoch, step) and the history. The
 * shuffles and dropout masks are functions of (seed, epoch, step), so nothing else is needed.
 * Loading validates the whole file before anything is written, so a refused file leaves the
 * trainer as it was.
 */
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type NamedTensor } from '../io/safetensors.ts';
import type { TrainerOptions } from './options.ts';
import type { ModelState } from './state.ts';
import type { EpochMetrics, Position } from './types.ts';
import { assertFinite } from './weights.ts';

/** The CPU side of a run that a checkpoint restores. */
export interface RunState {
  position: Position;
  history: EpochMetrics[];
  batchesTracked: number;
  epochSeconds: number;
}

/** The trainer a checkpoint belongs to: its GPU state and what must match to load one. */
export interface CheckpointTarget {
  gpu: Gpu;
  model: ModelState;
  trainMetrics: Tensor;
  options: TrainerOptions;
  trainSize: number;
  testCount: number;
  stepsPerEpoch: number;
}

interface CheckpointState extends RunState {
  options: TrainerOptions;
  trainSize: number;
  testCount: number;
}

/** The GPU tensors a checkpoint holds, by name. */
function checkpointTensors(t: CheckpointTarget): Map<string, Tensor> {
  const m = t.model;
  return new Map([
    ['params', m.params.flat], ['moment1', m.moment1.flat], ['moment2', m.moment2.flat], ['metrics.train', t.trainMetrics],
    ...m.statistics,
  ]);
}

export async function encodeCheckpoint(t: CheckpointTarget, run: RunState): Promise<Uint8Array> {
  const tensors: NamedTensor[] = [];
  for (const [name, tensor] of checkpointTensors(t)) {
    tensors.push({ name, dtype: 'F32', shape: [...tensor.shape], data: await t.gpu.read(tensor) as Float32Array });
  }
  const state: CheckpointState = { options: t.options, ...run, trainSize: t.trainSize, testCount: t.testCount };
  return encodeSafetensors(tensors, { checkpoint: JSON.stringify(state) });
}

/** A checkpoint that passed every check: what to write, and the run state to take over. */
export interface LoadedCheckpoint {
  writes: [Tensor, ArrayLike<number>][];
  run: RunState;
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Decode and check a checkpoint against `t`; throws SafetensorsError naming the file and what is wrong. */
export function decodeCheckpoint(t: CheckpointTarget, bytes: Uint8Array, fileName: string): LoadedCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, fileName);
  if (!metadata.checkpoint) throw new SafetensorsError(`${fileName}: not a trainer checkpoint (no checkpoint metadata)`);
  let state: CheckpointState | null;
  try {
    state = JSON.parse(metadata.checkpoint) as CheckpointState | null;
  } catch (error) {
    throw new SafetensorsError(`${fileName}: checkpoint metadata is not valid JSON (${(error as Error).message})`);
  }
  if (typeof state !== 'object' || state === null) throw new SafetensorsError(`${fileName}: checkpoint metadata is not an object`);
  const writes: [Tensor, ArrayLike<number>][] = [];
  for (const [name, target] of checkpointTensors(t)) {
    const found = tensors.get(name);
    if (!found || found.dtype !== 'F32' || found.data.length !== target.size) {
      throw new SafetensorsError(`${fileName}: ${name} is missing or has the wrong size (expected ${target.size} F32 values, found ${found ? `${found.data.length} ${found.dtype}` : 'none'})`);
    }
    assertFinite(found, fileName);
    writes.push([target, found.data]);
  }
  const mine = JSON.stringify({ ...t.options, stepsPerSubmit: 0 });
  const theirs = JSON.stringify({ ...state.options, stepsPerSubmit: 0 });
  if (mine !== theirs || state.trainSize !== t.trainSize || state.testCount !== t.testCount) {
    throw new SafetensorsError(`${fileName}: checkpoint was made with other options or data (${theirs}, ${state.trainSize} training images) than this trainer (${mine}, ${t.trainSize})`);
  }
  const p = state.position;
  if (!p || !isCount(p.epoch) || !isCount(p.globalStep) || !isCount(p.stepInEpoch) || p.stepInEpoch > t.stepsPerEpoch) {
    throw new SafetensorsError(`${fileName}: checkpoint position ${JSON.stringify(p)} is not a position of this run (${t.stepsPerEpoch} steps per epoch)`);
  }
  for (const field of ['batchesTracked', 'epochSeconds'] as const) {
    if (typeof state[field] !== 'number' || !(state[field] >= 0)) throw new SafetensorsError(`${fileName}: checkpoint ${field} is ${state[field]}, expected a number ≥ 0`);
  }
  if (!Array.isArray(state.history)) throw new SafetensorsError(`${fileName}: checkpoint history is not a list of epoch metrics`);
  const run = { position: { ...p }, history: state.history, batchesTracked: state.batchesTracked, epochSeconds: state.epochSeconds };
  return { writes, run };
}
