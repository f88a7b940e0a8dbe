/** 2-D average pooling, forward and backward (shaders/pool.wgsl). */
import shader from '../../shaders/pool.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectShape, type Tensor } from '../gpu/tensor.ts';
import { positiveIntegers, refuse } from './validate.ts';

/** The shader's ELEMS. */
const ELEMENTS_PER_INVOCATION = 4;

export interface AvgPool2dConfig {
  batch: number;
  channels: number;
  height: number;
  width: number;
  kernelSize: number;
  /** Defaults to kernelSize, as in PyTorch. */
  stride?: number;
}

/**
 * PyTorch's AvgPool2d(kernelSize, stride) without padding, floor mode (ceil_mode=False): NCHW
 * input [N, C, H, W] → [N, C, ⌊(H − k)/s⌋ + 1, ⌊(W − k)/s⌋ + 1], each output the mean of its k×k window.
 */
export class AvgPool2d {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  private readonly forwardKernel: Kernel;
  private readonly backwardKernel: Kernel;
  private readonly params: GPUBuffer;

  constructor(gpu: Gpu, config: AvgPool2dConfig) {
    const { batch, channels, height, width, kernelSize } = config;
    const stride = config.stride ?? kernelSize;
    positiveIntegers('AvgPool2d', { ...config, stride }, ['batch', 'channels', 'height', 'width', 'kernelSize', 'stride']);
    if (kernelSize > height || kernelSize > width) {
      refuse('AvgPool2d', `kernelSize ${kernelSize} exceeds the ${height}×${width} input (no padding)`);
    }
    const outHeight = Math.floor((height - kernelSize) / stride) + 1;
    const outWidth = Math.floor((width - kernelSize) / stride) + 1;
    this.inputShape = [batch, channels, height, width];
    this.outputShape = [batch, channels, outHeight, outWidth];
    this.forwardKernel = gpu.kernel(shader, 'avgpool_forward', { ELEMS: ELEMENTS_PER_INVOCATION });
    this.backwardKernel = gpu.kernel(shader, 'avgpool_backward', { ELEMS: ELEMENTS_PER_INVOCATION });
    this.params = gpu.uniform('avgpool.params', this.forwardKernel.packUniform('params', {
      planes: batch * channels,
      height,
      width,
      out_height: outHeight,
      out_width: outWidth,
      kernel_size: kernelSize,
      stride,
      area: kernelSize * kernelSize,
    }));
  }

  /** y = avgpool(x); overwrites y. */
  forward(x: Tensor, y: Tensor): Dispatch[] {
    expectShape('AvgPool2d forward', 'x', x, this.inputShape);
    expectShape('AvgPool2d forward', 'y', y, this.outputShape);
    return [this.launch(this.forwardKernel, { params: this.params, x, y }, y.size)];
  }

  /** dx = ∂L/∂x from dy = ∂L/∂y; overwrites dx (inputs outside every window get 0). */
  backward(dy: Tensor, dx: Tensor): Dispatch[] {
    expectShape('AvgPool2d backward', 'dy', dy, this.outputShape);
    expectShape('AvgPool2d backward', 'dx', dx, this.inputShape);
    return [this.launch(this.backwardKernel, { params: this.params, dy, dx }, dx.size)];
  }

  private launch(kernel: Kernel, resources: Record<string, Tensor | GPUBuffer>, outputs: number): Dispatch {
    return kernel.dispatchThreads(kernel.bind(resources), Math.ceil(outputs / ELEMENTS_PER_INVOCATION));
  }
}
