/**
 * LeNet-5 as data: the layer shapes and the parameters, named and laid out like PyTorch's
 * state_dict (so .safetensors files load into the same nn.Module), and PyTorch's default init.
 *
 * conv1 1→6 k5 p2 → [bn1] → tanh → avgpool2 → conv2 6→16 k5 → [bn2] → tanh → avgpool2 →
 * [dropout] → conv3 16→120 k5 → [bn3] → flatten → fc1 120→84 → tanh → fc2 84→10
 */
import { SeededRandom } from '../random.ts';

export const INPUT_SIZE = 28;
export const CLASSES = 10;

export interface ConvLayer {
  name: string;
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  padding: number;
  /** Input height = width. */
  inputSize: number;
}

export const CONV_LAYERS: readonly ConvLayer[] = [
  { name: 'conv1', inChannels: 1, outChannels: 6, kernelSize: 5, padding: 2, inputSize: 28 },
  { name: 'conv2', inChannels: 6, outChannels: 16, kernelSize: 5, padding: 0, inputSize: 14 },
  { name: 'conv3', inChannels: 16, outChannels: 120, kernelSize: 5, padding: 0, inputSize: 5 },
];

export const LINEAR_LAYERS = [
  { name: 'fc1', inFeatures: 120, outFeatures: 84 },
  { name: 'fc2', inFeatures: 84, outFeatures: CLASSES },
] as const;

/** The batch-norm layer after each conv layer, by conv name. */
export const BATCH_NORM_AFTER: Record<string, string> = { conv1: 'bn1', conv2: 'bn2', conv3: 'bn3' };

export type Init = 'fan-in-uniform' | 'ones' | 'zeros';

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: Init;
  fanIn: number;
}

/** Trainable parameters in PyTorch's state_dict order. */
export function lenetParameters(batchNorm: boolean): ParameterSpec[] {
  const specs: ParameterSpec[] = [];
  for (const c of CONV_LAYERS) {
    const fanIn = c.inChannels * c.kernelSize * c.kernelSize;
    specs.push({ name: `${c.name}.weight`, shape: [c.outChannels, c.inChannels, c.kernelSize, c.kernelSize], init: 'fan-in-uniform', fanIn });
    specs.push({ name: `${c.name}.bias`, shape: [c.outChannels], init: 'fan-in-uniform', fanIn });
    if (batchNorm) {
      const bn = BATCH_NORM_AFTER[c.name]!;
      specs.push({ name: `${bn}.weight`, shape: [c.outChannels], init: 'ones', fanIn: 0 });
      specs.push({ name: `${bn}.bias`, shape: [c.outChannels], init: 'zeros', fanIn: 0 });
    }
  }
  for (const l of LINEAR_LAYERS) {
    specs.push({ name: `${l.name}.weight`, shape: [l.outFeatures, l.inFeatures], init: 'fan-in-uniform', fanIn: l.inFeatures });
    specs.push({ name: `${l.name}.bias`, shape: [l.outFeatures], init: 'fan-in-uniform', fanIn: l.inFeatures });
  }
  return specs;
}

export interface StatisticSpec {
  name: string;
  shape: number[];
  init: 'zeros' | 'ones';
}

/** Batch norm's running statistics (state_dict buffers; num_batches_tracked is kept by the trainer). */
export function lenetRunningStatistics(batchNorm: boolean): StatisticSpec[] {
  if (!batchNorm) return [];
  return CONV_LAYERS.flatMap((c) => {
    const bn = BATCH_NORM_AFTER[c.name]!;
    return [
      { name: `${bn}.running_mean`, shape: [c.outChannels], init: 'zeros' as const },
      { name: `${bn}.running_var`, shape: [c.outChannels], init: 'ones' as const },
    ];
  });
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
