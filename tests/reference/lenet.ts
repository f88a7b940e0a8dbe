/**
 * float64 reference of a whole LeNet-5 training step (forward, loss, backward, Adam), composed
 * from the per-op references, for any of the study's variants. The GPU trainer's step must match it.
 */
import { CONV_LAYERS, LINEAR_LAYERS, BATCH_NORM_AFTER, type ConvLayer } from '../../src/model/lenet.ts';
import type { Variant } from '../../src/model/variants.ts';
import { tanhBackward, tanhForward } from './activation.ts';
import { batchNormBackward, batchNormTrainForward } from './batchnorm.ts';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward, type Conv2dShape } from './conv2d.ts';
import { dropoutBackward, dropoutForward } from './dropout.ts';
import { linearBackwardInput, linearBackwardWeight, linearForward, type LinearShape } from './linear.ts';
import { softmaxCrossEntropy } from './loss.ts';
import { adamStep } from './optimizer.ts';
import { avgPoolBackward, avgPoolForward, type PoolShape } from './pool.ts';

export type Tensors = Map<string, number[]>;

export interface ReferenceModel {
  params: Tensors;
  statistics: Tensors;
  m: Tensors;
  v: Tensors;
}

export interface StepInput {
  /** Normalised images [b, 1, 28, 28] and labels [b]. */
  x: number[];
  labels: number[];
  /** 1-based step (Adam's t and the dropout counter), seed and learning rate. */
  step: number;
  seed: number;
  lr: number;
  /** Gradients the optimizer should use instead of the computed ones (by parameter name). */
  optimizerGradients?: Tensors;
}

const convShape = (l: ConvLayer, batch: number): Conv2dShape => ({
  batch, inChannels: l.inChannels, outChannels: l.outChannels, height: l.inputSize, width: l.inputSize, kernelSize: l.kernelSize, padding: l.padding,
});
const poolShape = (batch: number, channels: number, size: number): PoolShape => ({ batch, channels, height: size, width: size, kernelSize: 2, stride: 2 });

/** One training step; returns the new model, the gradients and the batch's mean loss. */
export function referenceStep(model: ReferenceModel, variant: Variant, input: StepInput): { model: ReferenceModel; grads: Tensors; loss: number } {
  const b = input.labels.length;
  const P = (name: string) => model.params.get(name)!;
  const grads: Tensors = new Map();
  const statistics: Tensors = new Map(model.statistics);
  const saved = new Map<string, unknown>();
  const drop = { p: variant.dropout, seed: input.seed, step: input.step, layer: 0 };

  const conv = (l: ConvLayer, x: number[]) => conv2dForward(convShape(l, b), x, P(`${l.name}.weight`), P(`${l.name}.bias`));
  const norm = (l: ConvLayer, x: number[]) => {
    if (!variant.batchNorm) return x;
    const bn = BATCH_NORM_AFTER[l.name]!;
    const shape = { batch: b, channels: l.outChannels, spatial: x.length / (b * l.outChannels) };
    const r = batchNormTrainForward(x, P(`${bn}.weight`), P(`${bn}.bias`), statistics.get(`${bn}.running_mean`)!, statistics.get(`${bn}.running_var`)!, shape, 1e-5, 0.1);
    statistics.set(`${bn}.running_mean`, r.runningMean);
    statistics.set(`${bn}.running_var`, r.runningVar);
    saved.set(bn, { shape, mean: r.mean, invStd: r.invStd, x });
    return r.y;
  };
  const [c1, c2, c3] = CONV_LAYERS as [ConvLayer, ConvLayer, ConvLayer];
  const [fc1, fc2] = LINEAR_LAYERS;
  const fc1Shape: LinearShape = { batch: b, inFeatures: fc1.inFeatures, outFeatures: fc1.outFeatures };
  const fc2Shape: LinearShape = { batch: b, inFeatures: fc2.inFeatures, outFeatures: fc2.outFeatures };

  // Forward
  const a1 = tanhForward(norm(c1, conv(c1, input.x)));
  const p1 = avgPoolForward(a1, poolShape(b, 6, 28));
  const a2 = tanhForward(norm(c2, conv(c2, p1)));
  const p2 = avgPoolForward(a2, poolShape(b, 16, 10));
  const d2 = variant.dropout > 0 ? dropoutForward(p2, drop) : p2;
  const h3 = norm(c3, conv(c3, d2));
  const a4 = tanhForward(linearForward(fc1Shape, h3, P('fc1.weight'), P('fc1.bias')));
  const logits = linearForward(fc2Shape, a4, P('fc2.weight'), P('fc2.bias'));
  const loss = softmaxCrossEntropy(10, logits, input.labels);

  // Backward
  const linearGrads = (name: string, r: { dw: number[]; db: number[] }) => {
    grads.set(`${name}.weight`, r.dw);
    grads.set(`${name}.bias`, r.db);
  };
  const convGrads = (l: ConvLayer, x: number[], dy: number[]) => {
    const r = conv2dBackwardWeight(convShape(l, b), x, dy);
    grads.set(`${l.name}.weight`, r.dWeight);
    grads.set(`${l.name}.bias`, r.dBias);
  };
  const normBack = (l: ConvLayer, dy: number[]) => {
    if (!variant.batchNorm) return dy;
    const bn = BATCH_NORM_AFTER[l.name]!;
    const s = saved.get(bn) as { shape: { batch: number; channels: number; spatial: number }; mean: number[]; invStd: number[]; x: number[] };
    const r = batchNormBackward(s.x, dy, P(`${bn}.weight`), s.mean, s.invStd, s.shape);
    grads.set(`${bn}.weight`, r.dGamma);
    grads.set(`${bn}.bias`, r.dBeta);
    return r.dx;
  };
  const dLogits = loss.dLogits;
  linearGrads('fc2', linearBackwardWeight(fc2Shape, a4, dLogits));
  const df1 = tanhBackward(a4, linearBackwardInput(fc2Shape, dLogits, P('fc2.weight')));
  linearGrads('fc1', linearBackwardWeight(fc1Shape, h3, df1));
  const dc3 = normBack(c3, linearBackwardInput(fc1Shape, df1, P('fc1.weight')));
  convGrads(c3, d2, dc3);
  const dd2 = conv2dBackwardInput(convShape(c3, b), dc3, P('conv3.weight'));
  const dp2 = variant.dropout > 0 ? dropoutBackward(dd2, drop) : dd2;
  const dc2 = normBack(c2, tanhBackward(a2, avgPoolBackward(dp2, poolShape(b, 16, 10))));
  convGrads(c2, p1, dc2);
  const dp1 = conv2dBackwardInput(convShape(c2, b), dc2, P('conv2.weight'));
  const dc1 = normBack(c1, tanhBackward(a1, avgPoolBackward(dp1, poolShape(b, 6, 28))));
  convGrads(c1, input.x, dc1);

  // Adam (coupled L2 unless decoupled), parameter by parameter.
  const next: ReferenceModel = { params: new Map(), statistics, m: new Map(), v: new Map() };
  for (const [name, param] of model.params) {
    const r = adamStep({ param, m: model.m.get(name)!, v: model.v.get(name)! }, input.optimizerGradients?.get(name) ?? grads.get(name)!, {
      lr: input.lr, step: input.step, weightDecay: variant.weightDecay, decoupled: variant.decoupledWeightDecay,
    });
    next.params.set(name, r.param);
    next.m.set(name, r.m);
    next.v.set(name, r.v);
  }
  return { model: next, grads, loss: loss.losses.reduce((a, c) => a + c, 0) / b };
}
