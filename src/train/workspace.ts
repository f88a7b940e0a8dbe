/**
 * Activation and gradient buffers of a LeNet-5 step, allocated once for the largest batch and
 * viewed at any smaller batch (the epoch's last, partial batch; evaluation batches), so every
 * plan of one trainer shares them.
 */
import type { Gpu } from '../gpu/gpu.ts';
import type { DType, Tensor } from '../gpu/tensor.ts';

export class Workspace {
  private readonly tensors = new Map<string, { tensor: Tensor; perSample: readonly number[] }>();

  constructor(private readonly gpu: Gpu, readonly capacity: number) {}

  /** The tensor `name` of per-sample shape `perSample`, viewed at `batch` samples; allocated on first use. */
  get(name: string, batch: number, perSample: readonly number[], dtype: DType = 'f32'): Tensor {
    if (batch > this.capacity) throw new RangeError(`workspace ${name}: batch ${batch} exceeds capacity ${this.capacity}`);
    let entry = this.tensors.get(name);
    if (!entry) {
      entry = { tensor: this.gpu.tensor(`ws.${name}`, [this.capacity, ...perSample], dtype), perSample };
      this.tensors.set(name, entry);
    } else if (entry.perSample.join() !== perSample.join()) {
      throw new Error(`workspace ${name}: per-sample shape [${perSample}] differs from its first use [${entry.perSample}]`);
    }
    return entry.tensor.reshape([batch, ...perSample]);
  }

  /** A tensor with no batch dimension (e.g. batch-norm saved statistics), allocated on first use. */
  fixed(name: string, shape: readonly number[]): Tensor {
    let entry = this.tensors.get(name);
    if (!entry) {
      entry = { tensor: this.gpu.tensor(`ws.${name}`, shape), perSample: shape };
      this.tensors.set(name, entry);
    }
    return entry.tensor;
  }

  /** Bytes of every buffer, by name (for the memory report). */
  bytes(): Record<string, number> {
    return Object.fromEntries([...this.tensors].map(([name, e]) => [name, e.tensor.buffer.size]));
  }
}
