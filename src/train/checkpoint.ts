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

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where two JSON-like values differ, as "path: theirs vs mine" (leaves only; stepsPerSubmit never matters). */
export function differences(theirs: unknown, mine: unknown, path = ''): string[] {
  if (isRecord(theirs) && isRecord(mine)) {
    const keys = [...new Set([...Object.keys(mine), ...Object.keys(theirs)])].filter((k) => !(path === '' && k === 'stepsPerSubmit'));
    return keys.flatMap((k) => differences(theirs[k], mine[k], path ? `${path}.${k}` : k));
  }
  if (JSON.stringify(theirs) === JSON.stringify(mine)) return [];
  return [`${path || 'value'} is ${JSON.stringify(theirs) ?? 'missing'} in the checkpoint, ${JSON.stringify(mine) ?? 'missing'} in this trainer`];
}

/** Thrown when a well-formed checkpoint belongs to another run; `fields` name what differs. */
export class CheckpointMismatchError extends SafetensorsError {
  override name = 'CheckpointMismatchError';
  constructor(readonly fileName: string, readonly fields: string[]) {
    super(`${fileName}: checkpoint was made by another run: ${fields.join('; ')}`);
  }
}

const METRIC_FIELDS = ['epoch', 'steps', 'trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'trainSeconds', 'samplesPerSecond'] as const;

/** The history must be one epoch record per finished epoch, in order, with numbers where numbers belong. */
function checkHistory(fileName: string, history: unknown, epochs: number): EpochMetrics[] {
  if (!Array.isArray(history) || history.length !== epochs) {
    throw new SafetensorsError(`${fileName}: checkpoint history is ${Array.isArray(history) ? `${history.length} epochs` : 'not a list'}, expected ${epochs} epoch records`);
  }
  history.forEach((m: unknown, i) => {
    const bad = !isRecord(m) ? 'not an object'
      : m.epoch !== i + 1 ? `epoch ${JSON.stringify(m.epoch)}, expected ${i + 1}`
      : METRIC_FIELDS.find((f) => typeof m[f] !== 'number') ?? (['validationLoss', 'validationAccuracy'] as const).find((f) => m[f] !== null && typeof m[f] !== 'number');
    if (bad) throw new SafetensorsError(`${fileName}: checkpoint history[${i}]: ${bad.includes(' ') ? bad : `${bad} is not a number`}`);
  });
  return history as EpochMetrics[];
}

function parseState(fileName: string, metadata: Record<string, string>): CheckpointState {
  if (!metadata.checkpoint) throw new SafetensorsError(`${fileName}: not a trainer checkpoint (no checkpoint metadata)`);
  let state: unknown;
  try {
    state = JSON.parse(metadata.checkpoint);
  } catch (error) {
    throw new SafetensorsError(`${fileName}: checkpoint metadata is not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(state)) throw new SafetensorsError(`${fileName}: checkpoint metadata is not an object`);
  if (!isRecord(state.options)) throw new SafetensorsError(`${fileName}: checkpoint options are ${JSON.stringify(state.options) ?? 'missing'}, expected an object`);
  return state as unknown as CheckpointState;
}

/**
 * Decode and check a checkpoint against `t`; throws SafetensorsError (CheckpointMismatchError for
 * another run's file) naming the file and what is wrong. It writes nothing: the caller writes
 * `writes` only once every tensor and field has passed, so a refused file changes nothing.
 */
export function decodeCheckpoint(t: CheckpointTarget, bytes: Uint8Array, fileName: string): LoadedCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, fileName);
  const state = parseState(fileName, metadata);
  const differ = differences({ ...state.options, trainSize: state.trainSize, testCount: state.testCount },
    { ...t.options, trainSize: t.trainSize, testCount: t.testCount });
  if (differ.length) throw new CheckpointMismatchError(fileName, differ);
  const expected = checkpointTensors(t);
  const extra = [...tensors.keys()].filter((n) => !expected.has(n));
  if (extra.length) throw new SafetensorsError(`${fileName}: unexpected tensors ${extra.join(', ')} in a checkpoint of variant ${t.options.variant.name}`);
  const writes: [Tensor, ArrayLike<number>][] = [];
  for (const [name, target] of expected) {
    const found = tensors.get(name);
    if (!found || found.dtype !== 'F32' || found.data.length !== target.size) {
      throw new SafetensorsError(`${fileName}: ${name} is missing or has the wrong size (expected ${target.size} F32 values, found ${found ? `${found.data.length} ${found.dtype}` : 'none'})`);
    }
    assertFinite(found, fileName);
    writes.push([target, found.data]);
  }
  const p = state.position as Partial<Position> | undefined;
  if (!isRecord(p) || !isCount(p.epoch) || !isCount(p.globalStep) || !isCount(p.stepInEpoch) || p.stepInEpoch > t.stepsPerEpoch ||
    p.globalStep !== p.epoch * t.stepsPerEpoch + p.stepInEpoch) {
    throw new SafetensorsError(`${fileName}: checkpoint position ${JSON.stringify(p)} is not a position of this run (${t.stepsPerEpoch} steps per epoch)`);
  }
  for (const field of ['batchesTracked', 'epochSeconds'] as const) {
    const v = state[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (field === 'batchesTracked' && !Number.isSafeInteger(v))) {
      throw new SafetensorsError(`${fileName}: checkpoint ${field} is ${JSON.stringify(v) ?? 'missing'}, expected a number ≥ 0`);
    }
  }
  const history = checkHistory(fileName, state.history, p.epoch);
  const run = { position: { epoch: p.epoch, stepInEpoch: p.stepInEpoch, globalStep: p.globalStep }, history, batchesTracked: state.batchesTracked, epochSeconds: state.epochSeconds };
  return { writes, run };
}
