/** Softmax cross-entropy loss, its gradient, metrics and predictions (shaders/loss.wgsl). */
import shader from '../../shaders/loss.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectDType, expectShape, type DType, type Tensor } from '../gpu/tensor.ts';
import { positiveIntegers } from './validate.ts';

export interface SoftmaxCrossEntropyConfig {
  batch: number;
  classes: number;
}

export class SoftmaxCrossEntropy {
  readonly batch: number;
  readonly classes: number;
  private readonly forwardKernel: Kernel;
  private readonly evaluateKernel: Kernel;
  private readonly predictKernel: Kernel;
  private readonly params: GPUBuffer;

  constructor(gpu: Gpu, config: SoftmaxCrossEntropyConfig) {
    positiveIntegers('SoftmaxCrossEntropy', config, ['batch', 'classes']);
    ({ batch: this.batch, classes: this.classes } = config);
    this.forwardKernel = gpu.kernel(shader, 'softmax_ce_forward');
    this.evaluateKernel = gpu.kernel(shader, 'softmax_ce_evaluate');
    this.predictKernel = gpu.kernel(shader, 'softmax_ce_predict');
    this.params = gpu.uniform('softmax_ce.params', this.forwardKernel.packUniform('params', { batch: this.batch, classes: this.classes }));
  }

  /**
   * dLogits = (softmax(logits) − onehot(labels)) / N, the gradient of the mean loss (overwritten),
   * and metrics += [Σ per-sample loss, #correct, N] (metrics[3] untouched). A label ≥ classes
   * adds 0 loss, counts as wrong, counts in N, and gets a zero gradient row.
   * logits [N, C] f32, labels [N] u32, dLogits [N, C] f32, metrics [4] f32.
   */
  forward(logits: Tensor, labels: Tensor, dLogits: Tensor, metrics: Tensor): Dispatch[] {
    this.check('softmax cross-entropy forward', { logits, labels, dLogits, metrics });
    const bindGroup = this.forwardKernel.bind({ params: this.params, logits, labels, d_logits: dLogits, metrics });
    return [this.forwardKernel.dispatch(bindGroup, 1)];
  }

  /** The metrics accumulation of forward() without the gradient. */
  evaluate(logits: Tensor, labels: Tensor, metrics: Tensor): Dispatch[] {
    this.check('softmax cross-entropy evaluate', { logits, labels, metrics });
    return [this.evaluateKernel.dispatch(this.evaluateKernel.bind({ params: this.params, logits, labels, metrics }), 1)];
  }

  /** predictions[n] = argmax_c logits[n, c], ties to the lowest index (overwritten). predictions [N] u32. */
  predict(logits: Tensor, predictions: Tensor): Dispatch[] {
    this.check('softmax cross-entropy predict', { logits, predictions });
    const bindGroup = this.predictKernel.bind({ params: this.params, logits, predictions });
    return [this.predictKernel.dispatchThreads(bindGroup, this.batch)];
  }

  private check(op: string, tensors: Record<string, Tensor>): void {
    const expected: Record<string, [number[], DType]> = {
      logits: [[this.batch, this.classes], 'f32'],
      dLogits: [[this.batch, this.classes], 'f32'],
      labels: [[this.batch], 'u32'],
      predictions: [[this.batch], 'u32'],
      metrics: [[4], 'f32'],
    };
    for (const [name, tensor] of Object.entries(tensors)) {
      const [shape, dtype] = expected[name]!;
      expectShape(op, name, tensor, shape);
      expectDType(op, name, tensor, dtype);
    }
  }
}
