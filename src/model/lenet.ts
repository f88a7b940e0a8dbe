/**
 * LeNet-5 as data: one ordered list of layer specs (lenetLayers) that the step planner walks
 * forward and backward and the float64 reference walks too, the parameters derived from it and
 * named and laid out like PyTorch's state_dict (so .safetensors files load into the same
 * nn.Module), and PyTorch's default init.
 */
import { SeededRandom } from '../random.ts';
import type { Variant } from './variants.ts';

export const INPUT_SIZE = 28;
export const CLASSES = 10;

export interface ConvLayer {
  kind: 'conv';
  name: string;
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  padding: number;
  /** Input height = width. */
  inputSize: number;
}

/** BatchNorm2d over the previous layer's channels (eps 1e-5, momentum 0.1, as PyTorch's default). */
export interface BatchNormLayer {
  kind: 'batchnorm';
  name: string;
  channels: number;
}

/** tanh then 2×2 average pooling with stride 2, one fused kernel. */
export interface TanhPoolLayer {
  kind: 'tanh-pool';
  name: string;
  channels: number;
  /** Input height = width. */
  inputSize: number;
}

/** Inverted dropout; off in eval mode. */
export interface DropoutLayer {
  kind: 'dropout';
  name: string;
  p: number;
  /** The layer's id in the counter-based RNG (seed, step, layer, element). */
  rngLayer: number;
}

export interface FlattenLayer {
  kind: 'flatten';
  name: string;
  features: number;
}

export interface LinearLayer {
  kind: 'linear';
  name: string;
  inFeatures: number;
  outFeatures: number;
  /**
   * Fused tanh on the output. Its backward is done by the next layer, which must be linear: its
   * input gradient comes out through the tanh (see Linear.backwardInput's `through`).
   */
  activation?: 'tanh';
}

export type LayerSpec = ConvLayer | BatchNormLayer | TanhPoolLayer | DropoutLayer | FlattenLayer | LinearLayer;
export type LayerKind = LayerSpec['kind'];

/** The layers of LeNet-5 in forward order, with the variant's batch norm and dropout where it has them. */
export function lenetLayers(variant: Pick<Variant, 'batchNorm' | 'dropout'>): LayerSpec[] {
  const bn = (name: string, channels: number): BatchNormLayer[] => (variant.batchNorm ? [{ kind: 'batchnorm', name, channels }] : []);
  const dropout: DropoutLayer[] = variant.dropout > 0 ? [{ kind: 'dropout', name: 'dropout', p: variant.dropout, rngLayer: 0 }] : [];
  return [
    { kind: 'conv', name: 'conv1', inChannels: 1, outChannels: 6, kernelSize: 5, padding: 2, inputSize: INPUT_SIZE },
    ...bn('bn1', 6),
    { kind: 'tanh-pool', name: 'act1', channels: 6, inputSize: 28 },
    { kind: 'conv', name: 'conv2', inChannels: 6, outChannels: 16, kernelSize: 5, padding: 0, inputSize: 14 },
    ...bn('bn2', 16),
    { kind: 'tanh-pool', name: 'act2', channels: 16, inputSize: 10 },
    ...dropout,
    { kind: 'conv', name: 'conv3', inChannels: 16, outChannels: 120, kernelSize: 5, padding: 0, inputSize: 5 },
    ...bn('bn3', 120),
    // No tanh after conv3, as in the study.
    { kind: 'flatten', name: 'flatten', features: 120 },
    { kind: 'linear', name: 'fc1', inFeatures: 120, outFeatures: 84, activation: 'tanh' },
    { kind: 'linear', name: 'fc2', inFeatures: 84, outFeatures: CLASSES },
  ];
}

const ofKind = <K extends LayerKind>(kind: K) => (l: LayerSpec): l is Extract<LayerSpec, { kind: K }> => l.kind === kind;

/** The conv and linear layers (the FLOP count's), in order. */
export const CONV_LAYERS: readonly ConvLayer[] = lenetLayers({ batchNorm: false, dropout: 0 }).filter(ofKind('conv'));
export const LINEAR_LAYERS: readonly LinearLayer[] = lenetLayers({ batchNorm: false, dropout: 0 }).filter(ofKind('linear'));

export type Init = 'fan-in-uniform' | 'ones' | 'zeros';

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: Init;
  fanIn: number;
}

/** A layer's trainable parameters (weight, then bias, as PyTorch orders them). */
function layerParameters(l: LayerSpec): ParameterSpec[] {
  switch (l.kind) {
    case 'conv': {
      const fanIn = l.inChannels * l.kernelSize * l.kernelSize;
      return [
        { name: `${l.name}.weight`, shape: [l.outChannels, l.inChannels, l.kernelSize, l.kernelSize], init: 'fan-in-uniform', fanIn },
        { name: `${l.name}.bias`, shape: [l.outChannels], init: 'fan-in-uniform', fanIn },
      ];
    }
    case 'batchnorm':
      return [
        { name: `${l.name}.weight`, shape: [l.channels], init: 'ones', fanIn: 0 },
        { name: `${l.name}.bias`, shape: [l.channels], init: 'zeros', fanIn: 0 },
      ];
    case 'linear':
      return [
        { name: `${l.name}.weight`, shape: [l.outFeatures, l.inFeatures], init: 'fan-in-uniform', fanIn: l.inFeatures },
        { name: `${l.name}.bias`, shape: [l.outFeatures], init: 'fan-in-uniform', fanIn: l.inFeatures },
      ];
    default:
      return [];
  }
}

/** Trainable parameters in PyTorch's state_dict order (dropout has none, so it does not matter here). */
export function lenetParameters(batchNorm: boolean): ParameterSpec[] {
  return lenetLayers({ batchNorm, dropout: 0 }).flatMap(layerParameters);
}

export interface StatisticSpec {
  name: string;
  shape: number[];
  init: 'zeros' | 'ones';
}

/** Batch norm's running statistics (state_dict buffers; num_batches_tracked is kept by the trainer). */
export function lenetRunningStatistics(batchNorm: boolean): StatisticSpec[] {
  return lenetLayers({ batchNorm, dropout: 0 }).filter(ofKind('batchnorm')).flatMap((l) => [
    { name: `${l.name}.running_mean`, shape: [l.channels], init: 'zeros' as const },
    { name: `${l.name}.running_var`, shape: [l.channels], init: 'ones' as const },
  ]);
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function parameterCount(batchNorm: boolean): number {
  return lenetParameters(batchNorm).reduce((sum, p) => sum + sizeOf(p.shape), 0);
}

/**
 * PyTorch's defaults: Conv2d/Linear weights kaiming_uniform(a=√5), i.e. U(±1/√fan_in), and biases
 * U(±1/√fan_in); BatchNorm γ = 1, β = 0. Drawn from a seeded stream, parameter by parameter in
 * state_dict order, so one seed gives one initial model everywhere.
 */
export function initialParameters(specs: readonly ParameterSpec[], seed: number): Map<string, Float32Array> {
  const rng = new SeededRandom(seed);
  const values = new Map<string, Float32Array>();
  for (const spec of specs) {
    const data = new Float32Array(sizeOf(spec.shape));
    if (spec.init === 'ones') data.fill(1);
    else if (spec.init === 'fan-in-uniform') {
      const bound = 1 / Math.sqrt(spec.fanIn);
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
    }
    values.set(spec.name, data);
  }
  return values;
}
