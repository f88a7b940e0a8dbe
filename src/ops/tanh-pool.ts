/**
 * tanh followed by 2×2 average pooling with stride 2 (LeNet-5's), fused (shaders/tanh-pool.wgsl):
 * bit-identical to Tanh then AvgPool2d. Forward replaces its input z by tanh(z) in
 * place, which is all backward needs: no separate activation buffer, no tanh in backward.
 */
import shader from '../../shaders/tanh-pool.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectShape, type Tensor } from '../gpu/tensor.ts';
import { positiveIntegers, refuse } from './validate.ts';


export interface TanhPoolConfig {
  batch: number;
  channels: number;
  height: number;
  width: number;
  /** Window size and stride: 2, the only one the fused kernels implement. */
  kernelSize: number;
}

export class TanhPool {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  private readonly forwardKernel: Kernel;
  private readonly backwardKernel: Kernel;
  private readonly params: GPUBuffer;
  /** One invocation per output row of every plane. */
  private readonly rows: number;

  constructor(gpu: Gpu, config: TanhPoolConfig) {
    positiveIntegers('TanhPool', config, ['batch', 'channels', 'height', 'width', 'kernelSize']);
    const { batch, channels, height, width, kernelSize: k } = config;
    if (k !== 2) refuse('TanhPool', `kernelSize must be 2 (other windows: Tanh then AvgPool2d), got ${k}`);
    if (k > height || k > width) refuse('TanhPool', `kernelSize ${k} exceeds the ${height}×${width} input`);
    const outHeight = Math.floor(height / k);
    const outWidth = Math.floor(width / k);
    this.inputShape = [batch, channels, height, width];
    this.outputShape = [batch, channels, outHeight, outWidth];
    this.rows = batch * channels * outHeight;
    this.forwardKernel = gpu.kernel(shader, 'tanh_pool_forward');
    this.backwardKernel = gpu.kernel(shader, 'tanh_pool_backward');
    this.params = gpu.uniform('tanh_pool.params', this.forwardKernel.packUniform('params', {
      planes: batch * channels, height, width, out_height: outHeight, out_width: outWidth,
    }));
  }

  /**
   * y = avgpool(tanh(z)), y overwritten; z is replaced by tanh(z) inside the pooling windows (the
   * inputs floor mode leaves outside every window keep their value).
   */
  forward(z: Tensor, y: Tensor): Dispatch[] {
    expectShape('TanhPool forward', 'z', z, this.inputShape);
    expectShape('TanhPool forward', 'y', y, this.outputShape);
    const k = this.forwardKernel;
    return [k.dispatchThreads(k.bind({ params: this.params, zt: z, y }), this.rows)];
  }

  /** dz = (pool backward of dy) · (1 − t²), from t = tanh(z) as forward left it; dz overwritten. */
  backward(t: Tensor, dy: Tensor, dz: Tensor): Dispatch[] {
    expectShape('TanhPool backward', 't', t, this.inputShape);
    expectShape('TanhPool backward', 'dy', dy, this.outputShape);
    expectShape('TanhPool backward', 'dz', dz, this.inputShape);
    const k = this.backwardKernel;
    return [k.dispatchThreads(k.bind({ params: this.params, t, dy, dz }), this.rows)];
  }
}
