/**
 * Browser side of the kernel tests. Node sends a Program (tensors with data, op instances, and a
 * sequence of calls, step-value writes and reads); this runs it on the page's WebGPU device and
 * returns what was read, or the error an op threw, or a WebGPU validation error.
 */
import { Gpu } from '../../src/gpu/gpu.ts';
import type { Dispatch } from '../../src/gpu/dispatch.ts';
import { Tensor, type DType } from '../../src/gpu/tensor.ts';
import * as ops from '../../src/ops/index.ts';
import { packStep, STEP_BYTES, type StepValues } from '../../src/ops/step.ts';
import { ramp } from '../support/random.ts';

export interface TensorSpec {
  shape: number[];
  dtype?: DType;
  data?: number[];
  /** Allocate a smaller buffer than the shape needs (to test binding checks). */
  bufferElements?: number;
  /** Fill on the page with ramp(i) = ((i mod 2001) − 1000) / 100, for tensors too big to send. */
  fill?: 'ramp';
}


export type Action =
  | { call: string; method: string; args: unknown[] }
  | { step: StepValues }
  | { read: string[]; label?: string; indices?: number[] };

export interface Program {
  tensors: Record<string, TensorSpec>;
  ops: Record<string, { op: string; args: unknown[] }>;
  actions: Action[];
}

export interface ProgramResult {
  reads: { label: string; tensors: Record<string, number[]> }[];
  error?: { name: string; message: string };
}

let gpuPromise: Promise<Gpu> | null = null;
function engine(): Promise<Gpu> {
  gpuPromise ??= Gpu.create();
  return gpuPromise;
}

type OpClass = new (gpu: Gpu, ...args: unknown[]) => Record<string, (...a: unknown[]) => Dispatch[]>;

async function execute(gpu: Gpu, program: Program, result: ProgramResult): Promise<void> {
  const tensors = new Map<string, Tensor>();
  for (const [name, spec] of Object.entries(program.tensors)) {
    if (spec.bufferElements !== undefined) {
      const buffer = gpu.buffer(name, spec.bufferElements * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
      tensors.set(name, new Tensor(buffer, spec.shape, spec.dtype ?? 'f32', name));
    } else {
      const data = spec.fill === 'ramp' ? Float32Array.from({ length: spec.shape.reduce((a, b) => a * b, 1) }, (_, i) => ramp(i)) : spec.data;
      tensors.set(name, gpu.tensor(name, spec.shape, spec.dtype ?? 'f32', data));
    }
  }
  const stepBuffer = gpu.uniform('step', new ArrayBuffer(STEP_BYTES));
  const instances = new Map<string, Record<string, (...a: unknown[]) => Dispatch[]>>();
  for (const [name, spec] of Object.entries(program.ops)) {
    const Op = (ops as unknown as Record<string, OpClass>)[spec.op];
    if (!Op) throw new Error(`harness: no op class named ${spec.op}`);
    instances.set(name, new Op(gpu, ...spec.args));
  }
  const resolve = (arg: unknown): unknown => {
    if (arg === '$step') return stepBuffer;
    if (typeof arg === 'string') {
      const t = tensors.get(arg);
      if (!t) throw new Error(`harness: no tensor named ${arg}`);
      return t;
    }
    return arg;
  };
  let pending: Dispatch[] = [];
  const flush = () => {
    if (pending.length) gpu.run(pending);
    pending = [];
  };
  for (const action of program.actions) {
    if ('call' in action) {
      const op = instances.get(action.call);
      if (!op) throw new Error(`harness: no op instance named ${action.call}`);
      const method = op[action.method];
      if (typeof method !== 'function') throw new Error(`harness: ${action.call} has no method ${action.method}`);
      pending.push(...method.apply(op, action.args.map(resolve)));
    } else if ('step' in action) {
      flush();
      gpu.device.queue.writeBuffer(stepBuffer, 0, packStep(action.step));
    } else {
      flush();
      const read: Record<string, number[]> = {};
      for (const name of action.read) {
        const values = await gpu.read(resolve(name) as Tensor);
        read[name] = action.indices ? action.indices.map((i) => values[i]!) : Array.from(values);
      }
      result.reads.push({ label: action.label ?? `read${result.reads.length}`, tensors: read });
    }
  }
  flush();
}

async function run(program: Program): Promise<ProgramResult> {
  const gpu = await engine();
  const result: ProgramResult = { reads: [] };
  gpu.device.pushErrorScope('validation');
  const before = new Set(gpu.trackedBuffers);
  try {
    await execute(gpu, program, result);
  } catch (error) {
    const e = error as Error;
    result.error = { name: e.name, message: e.message };
  }
  const validation = await gpu.device.popErrorScope();
  if (validation && !result.error) result.error = { name: 'GPUValidationError', message: validation.message };
  // Free this program's buffers so one page can run the whole suite; pipelines stay cached.
  for (const buffer of [...gpu.trackedBuffers]) if (!before.has(buffer)) gpu.release(buffer);
  return result;
}

async function adapter(): Promise<{ adapter: Gpu['adapter']; features: readonly string[]; limits: Record<string, number> }> {
  const gpu = await engine();
  const limits: Record<string, number> = {};
  for (const key of ['maxStorageBufferBindingSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupStorageSize'] as const) {
    limits[key] = gpu.device.limits[key];
  }
  return { adapter: gpu.adapter, features: gpu.features, limits };
}

/** Lose a fresh device on purpose and report what the engine said about it. */
async function deviceLoss(): Promise<{ listener: string; error: string }> {
  const gpu = await Gpu.create();
  const heard = new Promise<string>((resolve) => gpu.onLost((info) => resolve(info.reason)));
  gpu.device.destroy();
  const listener = await heard;
  let error = '';
  try {
    gpu.tensor('after-loss', [4]);
  } catch (e) {
    error = `${(e as Error).name}: ${(e as Error).message}`;
  }
  return { listener, error };
}

(globalThis as unknown as { harness: unknown }).harness = { run, adapter, deviceLoss };
