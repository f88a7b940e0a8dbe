/**
 * The command-buffer schedule: steps are recorded several to a command buffer; each step's values
 * (step number, seed, lr, batch start) are copied into the step uniform from a schedule buffer
 * inside the command buffer, so nothing waits on the CPU. After the steps, the metrics tensor is
 * copied to a staging buffer from a small ring and read back asynchronously.
 */
import { encodeDispatches, type Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import { METRICS } from '../ops/index.ts';
import { packStep, STEP_BYTES, type StepValues } from '../ops/step.ts';

/** One step of a command buffer: its uniform values, dispatches, and an optional copy after it. */
export interface ScheduledStep {
  values: StepValues;
  dispatches: Dispatch[];
  copy?: { from: Tensor; to: Tensor; toOffset: number };
}

export interface SubmitHooks {
  /** Run code that allocates buffers and make them the caller's (freed with it). */
  own<T>(allocate: () => T): T;
  /** Throws when the caller can no longer use the GPU (disposed, device lost, dataset gone). */
  assertUsable(): void;
}

export class StepSubmitter {
  /** The uniform every step's dispatches read. */
  readonly stepUniform: GPUBuffer;
  /** Steps one command buffer can hold. */
  readonly capacity: number;
  private readonly schedule: GPUBuffer;
  /** Metrics staging buffers not currently mapped or in flight. */
  private readonly stagingRing: GPUBuffer[] = [];

  constructor(private readonly gpu: Gpu, stepsPerSubmit: number, private readonly hooks: SubmitHooks) {
    this.stepUniform = gpu.buffer('step', STEP_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.capacity = Math.max(stepsPerSubmit, 64);
    this.schedule = gpu.buffer('schedule', this.capacity * STEP_BYTES, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
  }

  /** Encode steps into one command buffer, copy `metrics` to a staging buffer and submit. */
  submit(steps: ScheduledStep[], metrics: Tensor): Promise<Float32Array> {
    this.hooks.assertUsable();
    const device = this.gpu.device;
    const scheduleData = new ArrayBuffer(steps.length * STEP_BYTES);
    steps.forEach((s, i) => packStep(s.values, scheduleData, i * STEP_BYTES));
    device.queue.writeBuffer(this.schedule, 0, scheduleData);
    const encoder = device.createCommandEncoder({ label: 'steps' });
    steps.forEach((s, i) => {
      encoder.copyBufferToBuffer(this.schedule, i * STEP_BYTES, this.stepUniform, 0, STEP_BYTES);
      const pass = encoder.beginComputePass({ label: `step ${s.values.step}` });
      encodeDispatches(pass, s.dispatches);
      pass.end();
      if (s.copy) encoder.copyBufferToBuffer(s.copy.from.buffer, s.copy.from.byteOffset, s.copy.to.buffer, s.copy.to.byteOffset + s.copy.toOffset, s.copy.from.bytes);
    });
    // A small ring of staging buffers, reused once read: no allocation per submit.
    const staging = this.stagingRing.pop()
      ?? this.hooks.own(() => this.gpu.buffer('metrics.readback', METRICS.length * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST));
    encoder.copyBufferToBuffer(metrics.buffer, metrics.byteOffset, staging, 0, METRICS.length * 4);
    device.queue.submit([encoder.finish()]);
    return staging.mapAsync(GPUMapMode.READ).then(() => {
      const values = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      this.stagingRing.push(staging);
      return values;
    }, (error) => {
      this.hooks.assertUsable();
      return this.gpu.explainFailure(error);
    });
  }

  /**
   * Submit steps in command buffers of at most `perSubmit` (default, and at most, `capacity`),
   * one after another; the last one's metrics. `onDone` hears the steps done so far as each
   * command buffer's readback arrives.
   */
  async submitAll(steps: ScheduledStep[], metrics: Tensor, { perSubmit = this.capacity, onDone }: { perSubmit?: number; onDone?: (steps: number) => void } = {}): Promise<Float32Array> {
    const size = Math.min(perSubmit, this.capacity);
    let last: Promise<Float32Array> | null = null;
    for (let i = 0; i < steps.length; i += size) {
      const done = Math.min(i + size, steps.length);
      last = this.submit(steps.slice(i, done), metrics);
      if (onDone) last.then(() => onDone(done), () => {});
    }
    return await last!;
  }
}

/**
 * The submit loop's window: stay at most `depth` submits ahead of the readbacks, so the GPU never
 * idles and the queue stays short.
 */
export class ReadbackWindow {
  private readonly pending: Promise<void>[] = [];

  constructor(private readonly depth = 2) {}

  async push(readback: Promise<void>): Promise<void> {
    readback.catch(() => {}); // Rethrown where it is awaited; this only stops an unhandled-rejection report.
    this.pending.push(readback);
    if (this.pending.length >= this.depth) await this.pending.shift();
  }

  async drain(): Promise<void> {
    await Promise.all(this.pending.splice(0));
  }
}
