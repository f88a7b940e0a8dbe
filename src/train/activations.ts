/**
 * One image's activations, layer by layer, from the engine's own eval-mode forward (dropout off,
 * batch norm with its running statistics): each layer's dispatches in a pass of their own,
 * followed by a copy of its output into one result tensor, all in one command buffer, read back
 * once. What comes out, in order, each without the batch dimension:
 * - input [1, 28, 28]: the image normalised as the training data;
 * - conv1 [6, 28, 28]: the convolution, before batch norm and tanh; bn1 [6, 28, 28] with batch norm;
 * - act1 [6, 14, 14]: tanh, then 2×2 average pooling (pool1);
 * - conv2 [16, 10, 10], bn2 with batch norm, act2 [16, 5, 5] (pool2), likewise;
 * - conv3 [120, 1, 1], bn3 with batch norm (no tanh follows, as in the study);
 * - fc1 [84], after its tanh; fc2 [10], the logits (before softmax).
 * Flatten and dropout (off in eval mode) change no value and are not listed.
 */
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import type { DataSource } from './plan.ts';
import { withImages } from './sources.ts';
import type { TrainerPlans } from './plans.ts';
import type { ScheduledStep, StepSubmitter } from './submit.ts';
import type { LayerActivation } from './types.ts';

export interface ActivationParts {
  plans: TrainerPlans;
  submitter: StepSubmitter;
  /** The metrics tensor every submit copies out (evaluation's; nothing here accumulates into it). */
  metrics: Tensor;
}

/** Every listed layer's output for one image: 784 pixels, 0–255, row-major. */
export async function readActivations(gpu: Gpu, parts: ActivationParts, pixels: Uint8Array): Promise<LayerActivation[]> {
  return withImages(gpu, 'activations', pixels, true, (source) => layerOutputs(gpu, parts, source));
}

async function layerOutputs(gpu: Gpu, parts: ActivationParts, source: DataSource): Promise<LayerActivation[]> {
  const layers = parts.plans.layerwise(source);
  const offsets: number[] = [];
  let total = 0;
  for (const l of layers) {
    offsets.push(total);
    total += l.output.size;
  }
  const result = gpu.tensor('activations', [total]);
  try {
    const steps: ScheduledStep[] = layers.map((l, i) => ({
      values: { step: 0, seed: 0, lr: 0, batch_start: 0 },
      dispatches: l.dispatches,
      copy: { from: l.output, to: result, toOffset: offsets[i]! * 4 },
    }));
    await parts.submitter.submitAll(steps, parts.metrics);
    const values = await gpu.read(result) as Float32Array;
    return layers.map((l, i) => ({
      layer: l.name, kind: l.kind, shape: l.output.shape.slice(1), data: values.slice(offsets[i]!, offsets[i]! + l.output.size),
    }));
  } finally {
    gpu.release(result);
  }
}
