/**
 * Everything a model owns on the GPU: parameters (one arena, PyTorch names), gradients (an arena
 * of the same layout), batch-norm running statistics, and the optimizer's moments.
 */
import { Arena } from '../gpu/arena.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import { initialParameters, lenetParameters, lenetRunningStatistics, sizeOf, type ParameterSpec, type StatisticSpec } from '../model/lenet.ts';
import type { Variant } from '../model/variants.ts';

export class ModelState {
  readonly specs: ParameterSpec[];
  readonly statisticSpecs: StatisticSpec[];
  readonly params: Arena;
  readonly grads: Arena;
  /** Optimizer state: Adam's first and second moments, or SGD's velocity in `moment1`. */
  readonly moment1: Arena;
  readonly moment2: Arena;
  readonly statistics = new Map<string, Tensor>();
  /** PyTorch's bn*.num_batches_tracked: training batches seen in batch-statistics mode. */
  batchesTracked = 0;

  constructor(private readonly gpu: Gpu, readonly variant: Variant, seed: number) {
    this.specs = lenetParameters(variant.batchNorm);
    this.statisticSpecs = lenetRunningStatistics(variant.batchNorm);
    this.params = Arena.allocate(gpu, 'params', this.specs);
    this.grads = Arena.allocate(gpu, 'grads', this.specs);
    this.moment1 = Arena.allocate(gpu, 'moment1', this.specs);
    this.moment2 = Arena.allocate(gpu, 'moment2', this.specs);
    for (const s of this.statisticSpecs) {
      this.statistics.set(s.name, gpu.tensor(s.name, s.shape, 'f32', new Float32Array(sizeOf(s.shape)).fill(s.init === 'ones' ? 1 : 0)));
    }
    this.setParameters(initialParameters(this.specs, seed));
  }

  param(name: string): Tensor {
    return this.params.get(name);
  }

  grad(name: string): Tensor {
    return this.grads.get(name);
  }

  statistic(name: string): Tensor {
    const t = this.statistics.get(name);
    if (!t) throw new Error(`no running statistic ${name} (batch norm is ${this.variant.batchNorm ? 'on' : 'off'})`);
    return t;
  }

  setParameters(values: ReadonlyMap<string, ArrayLike<number>>): void {
    this.gpu.write(this.params.flat, this.params.pack(values));
  }

  async readParameters(): Promise<Map<string, Float32Array>> {
    return this.params.unpack(await this.gpu.read(this.params.flat) as Float32Array);
  }

  /** The gradients of the last training step. */
  async readGradients(): Promise<Map<string, Float32Array>> {
    return this.grads.unpack(await this.gpu.read(this.grads.flat) as Float32Array);
  }

  setStatistics(values: ReadonlyMap<string, ArrayLike<number>>): void {
    for (const [name, data] of values) this.gpu.write(this.statistic(name), data);
  }

  async readStatistics(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, t] of this.statistics) out.set(name, await this.gpu.read(t) as Float32Array);
    return out;
  }

  /** Reset the optimizer's moments (a fresh optimizer on the current weights). */
  resetOptimizer(): void {
    const zeros = new Float32Array(this.moment1.elements);
    this.gpu.write(this.moment1.flat, zeros);
    this.gpu.write(this.moment2.flat, zeros);
  }
}
