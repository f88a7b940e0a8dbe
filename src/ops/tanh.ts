/** tanh forward and backward (shaders/tanh.wgsl). */
import shader from '../../shaders/tanh.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectShape, type Tensor } from '../gpu/tensor.ts';
import { shapeSize } from './validate.ts';

/** The shader's ELEMS. */
const ELEMENTS_PER_INVOCATION = 4;

export class Tanh {
  readonly count: number;
  private readonly forwardKernel: Kernel;
  private readonly backwardKernel: Kernel;
  private readonly params: GPUBuffer;

  /** `shape` is the shape of the activations (any rank). */
  constructor(gpu: Gpu, readonly shape: readonly number[]) {
    this.count = shapeSize('Tanh', 'shape', shape);
    this.forwardKernel = gpu.kernel(shader, 'tanh_forward', { ELEMS: ELEMENTS_PER_INVOCATION });
    this.backwardKernel = gpu.kernel(shader, 'tanh_backward', { ELEMS: ELEMENTS_PER_INVOCATION });
    this.params = gpu.uniform('tanh.params', this.forwardKernel.packUniform('params', { count: this.count }));
  }

  /** y = tanh(x) */
  forward(x: Tensor, y: Tensor): Dispatch[] {
    expectShape('tanh forward', 'x', x, this.shape);
    expectShape('tanh forward', 'y', y, this.shape);
    return [this.launch(this.forwardKernel, { params: this.params, x, y })];
  }

  /** dx = dy · (1 − y²), from the forward output y. */
  backward(y: Tensor, dy: Tensor, dx: Tensor): Dispatch[] {
    for (const [name, t] of [['y', y], ['dy', dy], ['dx', dx]] as const) expectShape('tanh backward', name, t, this.shape);
    return [this.launch(this.backwardKernel, { params: this.params, saved_y: y, dy, dx })];
  }

  private launch(kernel: Kernel, resources: Record<string, Tensor | GPUBuffer>): Dispatch {
    return kernel.dispatchThreads(kernel.bind(resources), Math.ceil(this.count / ELEMENTS_PER_INVOCATION));
  }
}
