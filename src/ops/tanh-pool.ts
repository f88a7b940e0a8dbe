/**
 * tanh followed by non-overlapping average pooling, fused (shaders/tanh_pool.wgsl): bit-identical
 * to Tanh then AvgPool2d with stride = kernelSize, with half the memory traffic, and no stored
 * activation (backward recomputes tanh from the pre-activation).
 */
import poolSource from '../../shaders/tanh_pool.wgsl';
import tanhLibrary from '../../shaders/lib/tanh.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectShape, type Tensor } from '../gpu/tensor.ts';

const SHADER = 'tanh_pool.wgsl';
const source = tanhLibrary + poolSource;
const ELEMENTS_PER_INVOCATION = 4;

export interface TanhPoolConfig {
  batch: number;
  channels: number;
  height: number;
  width: number;
  /** Window size and stride. */
  kernelSize: number;
}

export class TanhPool {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  private readonly forwardKernel: Kernel;
  private readonly backwardKernel: Kernel;
  private readonly params: GPUBuffer;

  constructor(gpu: Gpu, config: TanhPoolConfig) {
    for (const [field, value] of Object.entries(config)) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`TanhPool: ${field} must be a positive integer, got ${value}`);
    }
    const { batch, channels, height, width, kernelSize: k } = config;
    if (k > height || k > width) throw new RangeError(`TanhPool: kernelSize ${k} exceeds the ${height}×${width} input`);
    const outHeight = Math.floor(height / k);
    const outWidth = Math.floor(width / k);
    this.inputShape = [batch, channels, height, width];
    this.outputShape = [batch, channels, outHeight, outWidth];
    this.forwardKernel = gpu.kernel(SHADER, source, 'tanh_pool_forward');
    this.backwardKernel = gpu.kernel(SHADER, source, 'tanh_pool_backward');
    this.params = gpu.uniform('tanh_pool.params', this.forwardKernel.packUniform('params', {
      planes: batch * channels, height, width, out_height: outHeight, out_width: outWidth, kernel_size: k, area: k * k,
    }));
  }

  /** y = avgpool(tanh(z)); y overwritten. */
  forward(z: Tensor, y: Tensor): Dispatch[] {
    expectShape('TanhPool forward', 'z', z, this.inputShape);
    expectShape('TanhPool forward', 'y', y, this.outputShape);
    const k = this.forwardKernel;
    return [k.dispatchThreads(k.bind({ params: this.params, z, y }), Math.ceil(y.size / ELEMENTS_PER_INVOCATION))];
  }

  /** dz = (pool backward of dy) · (1 − tanh(z)²), from the forward input z; dz overwritten. */
  backward(z: Tensor, dy: Tensor, dz: Tensor): Dispatch[] {
    expectShape('TanhPool backward', 'z', z, this.inputShape);
    expectShape('TanhPool backward', 'dy', dy, this.outputShape);
    expectShape('TanhPool backward', 'dz', dz, this.inputShape);
    const k = this.backwardKernel;
    return [k.dispatchThreads(k.bind({ params: this.params, z, dy, dz }), Math.ceil(dz.size / ELEMENTS_PER_INVOCATION))];
  }
}
