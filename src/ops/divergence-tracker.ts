/** Records the first step whose loss went non-finite (shaders/divergence-tracker.wgsl). */
import shader from '../../shaders/divergence-tracker.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectShape, type Tensor } from '../gpu/tensor.ts';
import { checkStepLayout } from './step.ts';

/** Layout of the 4-float metrics accumulator shared with SoftmaxCrossEntropy. */
export const METRICS = { lossSum: 0, correct: 1, samples: 2, divergedAtStep: 3, length: 4 } as const;

export class DivergenceTracker {
  private readonly kernel: Kernel;

  constructor(gpu: Gpu) {
    this.kernel = gpu.kernel(shader, 'track_divergence');
    checkStepLayout(this.kernel);
  }

  track(metrics: Tensor, step: GPUBuffer): Dispatch[] {
    expectShape('divergence tracker', 'metrics', metrics, [METRICS.length]);
    return [this.kernel.dispatch(this.kernel.bind({ step, metrics }), 1)];
  }
}
