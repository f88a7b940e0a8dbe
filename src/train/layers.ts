/**
 * How each kind of layer is planned: its forward and its backward dispatches side by side, one
 * entry per kind. The step planner walks lenetLayers() forward through `forward`, then the same
 * list reversed through `backward`; ops are created once per (layer, batch size) through `op`.
 */
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import type { BatchNormLayer, ConvLayer, DropoutLayer, LayerKind, LayerSpec, LinearLayer, TanhPoolLayer } from '../model/lenet.ts';
import { BatchNorm, Conv2d, Dropout, Linear, TanhPool } from '../ops/index.ts';
import type { ModelState } from './state.ts';
import type { Workspace } from './workspace.ts';

/**
 * train: dropout on, batch statistics (updating running ones). eval: dropout off, running
 * statistics. quirks: the original study's evaluation — dropout on, batch statistics.
 */
export type Mode = 'train' | 'eval' | 'quirks';

/** What a layer's planning reads and appends to, for one batch size. */
export interface LayerContext {
  gpu: Gpu;
  model: ModelState;
  batch: number;
  /** Activations: sized for the larger of the training and evaluation batches. */
  activations: Workspace;
  /** Gradients: only training steps use them, so they are sized for the training batch. */
  gradients: Workspace;
  /** The step uniform (dropout's step counter). */
  step: GPUBuffer;
  dispatches: Dispatch[];
  /** The op of `key` (`layer@batch`), made on first use and cached by the planner. */
  op<T>(key: string, make: () => T): T;
}

export interface Backward<L extends LayerSpec> {
  layer: L;
  /** The layer's forward input (for tanh-pool: tanh of it, which the fused op leaves in place). */
  input: Tensor;
  /** The gradient of the loss with respect to the layer's output. */
  dy: Tensor;
  /** The layer that fed this one, if any. */
  previous: LayerSpec | undefined;
}

interface LayerPlan<L extends LayerSpec> {
  /** Record the forward dispatches of `layer` on `x`; returns its output. */
  forward(c: LayerContext, layer: L, x: Tensor, mode: Mode): Tensor;
  /** Record the backward dispatches; returns the gradient of the layer's input (null when not needed). */
  backward(c: LayerContext, b: Backward<L>, needInput: boolean): Tensor | null;
}

type LayerPlans = { [K in LayerKind]: LayerPlan<Extract<LayerSpec, { kind: K }>> };

const gradientOf = (c: LayerContext, name: string, like: Tensor) => c.gradients.get(`${name}.in.grad`, c.batch, like.shape.slice(1));

const convOp = (c: LayerContext, l: ConvLayer) => c.op(`${l.name}@${c.batch}`, () => new Conv2d(c.gpu, {
  batch: c.batch, inChannels: l.inChannels, outChannels: l.outChannels,
  height: l.inputSize, width: l.inputSize, kernelSize: l.kernelSize, padding: l.padding,
}));

const batchNormOp = (c: LayerContext, l: BatchNormLayer, input: Tensor) => {
  const spatial = input.shape.slice(2).reduce((p, q) => p * q, 1);
  return c.op(`${l.name}@${c.batch}`, () => new BatchNorm(c.gpu, { batch: c.batch, channels: l.channels, spatial }));
};

/** Batch norm's saved batch statistics (per channel, shared by every batch size). */
const batchStatistic = (c: LayerContext, l: BatchNormLayer, what: 'mean' | 'inv_std') =>
  c.activations.fixed(`${l.name}.${what}`, [l.channels]);

const tanhPoolOp = (c: LayerContext, l: TanhPoolLayer) => c.op(`${l.name}@${c.batch}`, () =>
  new TanhPool(c.gpu, { batch: c.batch, channels: l.channels, height: l.inputSize, width: l.inputSize, kernelSize: 2 }));

const dropoutOp = (c: LayerContext, l: DropoutLayer, like: Tensor) => c.op(`${l.name}@${c.batch}`, () =>
  new Dropout(c.gpu, { shape: [c.batch, ...like.shape.slice(1)], p: l.p, layer: l.rngLayer }));

const linearOp = (c: LayerContext, l: LinearLayer) => c.op(`${l.name}@${c.batch}`, () =>
  new Linear(c.gpu, { batch: c.batch, inFeatures: l.inFeatures, outFeatures: l.outFeatures, activation: l.activation }));

export const LAYER_PLANS: LayerPlans = {
  conv: {
    forward(c, l, x) {
      const op = convOp(c, l);
      const out = c.activations.get(`${l.name}.out`, c.batch, op.outputShape.slice(1));
      c.dispatches.push(...op.forward(x, c.model.param(`${l.name}.weight`), c.model.param(`${l.name}.bias`), out));
      return out;
    },
    // Weight and bias gradients, then dx if needed.
    backward(c, { layer: l, input, dy }, needInput) {
      const op = convOp(c, l);
      c.dispatches.push(...op.backwardWeight(input, dy, c.model.grad(`${l.name}.weight`), c.model.grad(`${l.name}.bias`)));
      if (!needInput) return null;
      const dx = gradientOf(c, l.name, input);
      c.dispatches.push(...op.backwardInput(dy, c.model.param(`${l.name}.weight`), dx));
      return dx;
    },
  },
  batchnorm: {
    forward(c, l, x, mode) {
      const op = batchNormOp(c, l, x);
      const out = c.activations.get(`${l.name}.out`, c.batch, x.shape.slice(1));
      const [gamma, beta] = [c.model.param(`${l.name}.weight`), c.model.param(`${l.name}.bias`)];
      const [runningMean, runningVar] = [c.model.statistic(`${l.name}.running_mean`), c.model.statistic(`${l.name}.running_var`)];
      if (mode === 'eval') c.dispatches.push(...op.forwardEval(x, gamma, beta, runningMean, runningVar, out));
      else c.dispatches.push(...op.forwardTrain(x, gamma, beta, out, runningMean, runningVar, batchStatistic(c, l, 'mean'), batchStatistic(c, l, 'inv_std')));
      return out;
    },
    backward(c, { layer: l, input, dy }) {
      const dx = gradientOf(c, l.name, input);
      c.dispatches.push(...batchNormOp(c, l, input).backward(
        input, dy, c.model.param(`${l.name}.weight`), batchStatistic(c, l, 'mean'), batchStatistic(c, l, 'inv_std'),
        dx, c.model.grad(`${l.name}.weight`), c.model.grad(`${l.name}.bias`)));
      return dx;
    },
  },
  'tanh-pool': {
    // The fused op leaves tanh(x) in x's buffer: backward's (1 − t²).
    forward(c, l, x) {
      const op = tanhPoolOp(c, l);
      const out = c.activations.get(l.name, c.batch, op.outputShape.slice(1));
      c.dispatches.push(...op.forward(x, out));
      return out;
    },
    backward(c, { layer: l, input: t, dy }) {
      const dz = gradientOf(c, l.name, t);
      c.dispatches.push(...tanhPoolOp(c, l).backward(t, dy, dz));
      return dz;
    },
  },
  dropout: {
    forward(c, l, x, mode) {
      if (mode === 'eval') return x;
      const out = c.activations.get(`${l.name}.out`, c.batch, x.shape.slice(1));
      c.dispatches.push(...dropoutOp(c, l, x).forward(x, out, c.step));
      return out;
    },
    // The mask is recomputed from (seed, step, layer, element), not stored.
    backward(c, { layer: l, input, dy }) {
      const dx = gradientOf(c, l.name, input);
      c.dispatches.push(...dropoutOp(c, l, dx).backward(dy, dx, c.step));
      return dx;
    },
  },
  flatten: {
    forward: (c, l, x) => x.reshape([c.batch, l.features]),
    backward: (_c, { input, dy }) => dy.reshape(input.shape),
  },
  linear: {
    forward(c, l, x) {
      const out = c.activations.get(`${l.name}.out`, c.batch, [l.outFeatures]);
      c.dispatches.push(...linearOp(c, l).forward(x, c.model.param(`${l.name}.weight`), c.model.param(`${l.name}.bias`), out));
      return out;
    },
    backward(c, { layer: l, input, dy, previous }, needInput) {
      const op = linearOp(c, l);
      c.dispatches.push(...op.backwardWeight(input, dy, c.model.grad(`${l.name}.weight`), c.model.grad(`${l.name}.bias`)));
      if (!needInput) return null;
      // After a layer with a fused tanh, the input is that tanh's output, and the gradient comes out
      // through it: the gradient of the previous layer's pre-activation.
      const through = previous?.kind === 'linear' && previous.activation === 'tanh' ? input : undefined;
      const dx = gradientOf(c, l.name, input);
      c.dispatches.push(...op.backwardInput(dy, c.model.param(`${l.name}.weight`), dx, through));
      return dx;
    },
  },
};

/** A fused activation's backward is done by the next layer, so only a linear layer may follow it. */
export function checkFusions(layers: readonly LayerSpec[]): void {
  layers.forEach((l, i) => {
    const next = layers[i + 1];
    if (l.kind === 'linear' && l.activation && next?.kind !== 'linear') {
      throw new RangeError(`layer ${l.name}: a fused ${l.activation} must be followed by a linear layer, which does its backward`);
    }
  });
}

/** Plan one layer's forward, dispatching on its kind. */
export function planForward(c: LayerContext, layer: LayerSpec, x: Tensor, mode: Mode): Tensor {
  return (LAYER_PLANS[layer.kind] as LayerPlan<LayerSpec>).forward(c, layer, x, mode);
}

/** Plan one layer's backward, dispatching on its kind. */
export function planBackward(c: LayerContext, b: Backward<LayerSpec>, needInput: boolean): Tensor | null {
  return (LAYER_PLANS[b.layer.kind] as LayerPlan<LayerSpec>).backward(c, b, needInput);
}
