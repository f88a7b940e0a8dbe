/**
 * float64 reference of a whole LeNet-5 training step (forward, loss, backward, Adam), for any of
 * the study's variants. It walks the engine's own layer list (lenetLayers) forward and reversed,
 * each kind composed from the per-op references, so the order of layers is written once. The GPU
 * trainer's step must match it.
 */
import { CLASSES, lenetLayers, type ConvLayer, type DropoutLayer, type LayerKind, type LayerSpec, type LinearLayer, type TanhPoolLayer } from '../../src/model/lenet.ts';
import type { Variant } from '../../src/model/variants.ts';
import { tanhBackward, tanhForward } from './tanh.ts';
import { batchNormBackward, batchNormTrainForward, type BatchNormShape } from './batchnorm.ts';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward, type Conv2dShape } from './conv2d.ts';
import { dropoutBackward, dropoutForward, type DropoutDraw } from './dropout.ts';
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

/** What the layers of one step share: the batch, the parameters, and where results go. */
interface StepContext {
  batch: number;
  input: StepInput;
  param(name: string): number[];
  grads: Tensors;
  statistics: Tensors;
}

interface ReferenceLayer<L extends LayerSpec> {
  /** The output, and what backward needs of this layer. */
  forward(c: StepContext, layer: L, x: number[]): { y: number[]; saved: unknown };
  /** Records the layer's parameter gradients; returns the input gradient (null when not needed). */
  backward(c: StepContext, layer: L, dy: number[], saved: never, needInput: boolean): number[] | null;
}

const convShape = (l: ConvLayer, batch: number): Conv2dShape => ({
  batch, inChannels: l.inChannels, outChannels: l.outChannels, height: l.inputSize, width: l.inputSize, kernelSize: l.kernelSize, padding: l.padding,
});
const poolShape = (l: TanhPoolLayer, batch: number): PoolShape =>
  ({ batch, channels: l.channels, height: l.inputSize, width: l.inputSize, kernelSize: 2, stride: 2 });
const linearShape = (l: LinearLayer, batch: number): LinearShape =>
  ({ batch, inFeatures: l.inFeatures, outFeatures: l.outFeatures });
const draw = (l: DropoutLayer, input: StepInput): DropoutDraw =>
  ({ p: l.p, seed: input.seed, step: input.step, layer: l.rngLayer });

const LAYERS: { [K in LayerKind]: ReferenceLayer<Extract<LayerSpec, { kind: K }>> } = {
  conv: {
    forward: (c, l, x) => ({ y: conv2dForward(convShape(l, c.batch), x, c.param(`${l.name}.weight`), c.param(`${l.name}.bias`)), saved: x }),
    backward(c, l, dy, x: number[], needInput) {
      const r = conv2dBackwardWeight(convShape(l, c.batch), x, dy);
      c.grads.set(`${l.name}.weight`, r.dWeight);
      c.grads.set(`${l.name}.bias`, r.dBias);
      return needInput ? conv2dBackwardInput(convShape(l, c.batch), dy, c.param(`${l.name}.weight`)) : null;
    },
  },
  batchnorm: {
    forward(c, l, x) {
      const shape = { batch: c.batch, channels: l.channels, spatial: x.length / (c.batch * l.channels) };
      const [mean, variance] = [`${l.name}.running_mean`, `${l.name}.running_var`];
      const r = batchNormTrainForward(x, c.param(`${l.name}.weight`), c.param(`${l.name}.bias`), c.statistics.get(mean)!, c.statistics.get(variance)!, shape, 1e-5, 0.1);
      c.statistics.set(mean, r.runningMean);
      c.statistics.set(variance, r.runningVar);
      return { y: r.y, saved: { shape, mean: r.mean, invStd: r.invStd, x } };
    },
    backward(c, l, dy, s: { shape: BatchNormShape; mean: number[]; invStd: number[]; x: number[] }) {
      const r = batchNormBackward(s.x, dy, c.param(`${l.name}.weight`), s.mean, s.invStd, s.shape);
      c.grads.set(`${l.name}.weight`, r.dGamma);
      c.grads.set(`${l.name}.bias`, r.dBeta);
      return r.dx;
    },
  },
  'tanh-pool': {
    forward(c, l, x) {
      const a = tanhForward(x);
      return { y: avgPoolForward(a, poolShape(l, c.batch)), saved: a };
    },
    backward: (c, l, dy, a: number[]) => tanhBackward(a, avgPoolBackward(dy, poolShape(l, c.batch))),
  },
  dropout: {
    forward: (c, l, x) => ({ y: dropoutForward(x, draw(l, c.input)), saved: null }),
    backward: (c, l, dy) => dropoutBackward(dy, draw(l, c.input)),
  },
  // Tensors here are flat arrays already.
  flatten: {
    forward: (_c, _l, x) => ({ y: x, saved: null }),
    backward: (_c, _l, dy) => dy,
  },
  linear: {
    forward(c, l, x) {
      const z = linearForward(linearShape(l, c.batch), x, c.param(`${l.name}.weight`), c.param(`${l.name}.bias`));
      const y = l.activation === 'tanh' ? tanhForward(z) : z;
      return { y, saved: { x, y } };
    },
    // The fused tanh's backward is applied here, by the layer itself (the GPU does it in the next layer's kernel).
    backward(c, l, dy, s: { x: number[]; y: number[] }, needInput) {
      const dz = l.activation === 'tanh' ? tanhBackward(s.y, dy) : dy;
      const r = linearBackwardWeight(linearShape(l, c.batch), s.x, dz);
      c.grads.set(`${l.name}.weight`, r.dw);
      c.grads.set(`${l.name}.bias`, r.db);
      return needInput ? linearBackwardInput(linearShape(l, c.batch), dz, c.param(`${l.name}.weight`)) : null;
    },
  },
};

const reference = <L extends LayerSpec>(l: L) => LAYERS[l.kind] as unknown as ReferenceLayer<L>;

/** One training step; returns the new model, the gradients and the batch's mean loss. */
export function referenceStep(model: ReferenceModel, variant: Variant, input: StepInput): { model: ReferenceModel; grads: Tensors; loss: number } {
  const c: StepContext = {
    batch: input.labels.length, input, param: (name) => model.params.get(name)!, grads: new Map(), statistics: new Map(model.statistics),
  };
  const layers = lenetLayers(variant);

  // Forward: the layer list in order (training mode: dropout on, batch statistics).
  const saved: unknown[] = [];
  let h = input.x;
  for (const layer of layers) {
    const r = reference(layer).forward(c, layer, h);
    saved.push(r.saved);
    h = r.y;
  }
  const loss = softmaxCrossEntropy(CLASSES, h, input.labels);

  // Backward: the same list reversed; the first layer's input is the batch, which needs no gradient.
  let dy = loss.dLogits;
  for (let i = layers.length - 1; i >= 0; i--) dy = reference(layers[i]!).backward(c, layers[i]!, dy, saved[i] as never, i > 0) ?? dy;

  // Adam (coupled L2 unless decoupled), parameter by parameter.
  const next: ReferenceModel = { params: new Map(), statistics: c.statistics, m: new Map(), v: new Map() };
  for (const [name, param] of model.params) {
    const r = adamStep({ param, m: model.m.get(name)!, v: model.v.get(name)! }, input.optimizerGradients?.get(name) ?? c.grads.get(name)!, {
      lr: input.lr, step: input.step, weightDecay: variant.weightDecay, decoupled: variant.decoupledWeightDecay,
    });
    next.params.set(name, r.param);
    next.m.set(name, r.m);
    next.v.set(name, r.v);
  }
  return { model: next, grads: c.grads, loss: loss.losses.reduce((a, v) => a + v, 0) / c.batch };
}
