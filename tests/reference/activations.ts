/**
 * float64 reference of one image's forward in eval mode (dropout off, batch norm with its running
 * statistics), layer by layer: what Trainer.activations() must put out. A layer is computed from
 * any input, so a test can feed it the GPU's own output of the layer before (no compounding of
 * f32 rounding) or chain the reference all the way.
 */
import { lenetLayers, type LayerSpec } from '../../src/model/lenet.ts';
import type { Variant } from '../../src/model/variants.ts';
import { batchNormEvalForward } from './batchnorm.ts';
import { conv2dForward } from './conv2d.ts';
import { linearForward } from './linear.ts';
import { avgPoolForward } from './pool.ts';
import { tanhForward } from './tanh.ts';

export type Tensors = ReadonlyMap<string, ArrayLike<number>>;

const values = (tensors: Tensors, name: string): number[] => {
  const t = tensors.get(name);
  if (!t) throw new Error(`reference: no tensor ${name}`);
  return Array.from(t);
};

/** The layers activations() lists: every layer but flatten and dropout, which change no value in eval mode. */
export function listedLayers(variant: Pick<Variant, 'batchNorm' | 'dropout'>): LayerSpec[] {
  return lenetLayers(variant).filter((l) => l.kind !== 'flatten' && l.kind !== 'dropout');
}

/** One layer of one image in eval mode. `tensors` holds the parameters and the running statistics. */
export function referenceLayer(layer: LayerSpec, x: number[], tensors: Tensors): number[] {
  switch (layer.kind) {
    case 'conv':
      return conv2dForward({
        batch: 1, inChannels: layer.inChannels, outChannels: layer.outChannels, height: layer.inputSize, width: layer.inputSize,
        kernelSize: layer.kernelSize, padding: layer.padding,
      }, x, values(tensors, `${layer.name}.weight`), values(tensors, `${layer.name}.bias`));
    case 'batchnorm':
      return batchNormEvalForward(x, values(tensors, `${layer.name}.weight`), values(tensors, `${layer.name}.bias`),
        values(tensors, `${layer.name}.running_mean`), values(tensors, `${layer.name}.running_var`),
        { batch: 1, channels: layer.channels, spatial: x.length / layer.channels }, 1e-5);
    case 'tanh-pool':
      return avgPoolForward(tanhForward(x), { batch: 1, channels: layer.channels, height: layer.inputSize, width: layer.inputSize, kernelSize: 2, stride: 2 });
    case 'linear': {
      const z = linearForward({ batch: 1, inFeatures: layer.inFeatures, outFeatures: layer.outFeatures }, x, values(tensors, `${layer.name}.weight`), values(tensors, `${layer.name}.bias`));
      return layer.activation === 'tanh' ? tanhForward(z) : z;
    }
    case 'flatten':
    case 'dropout':
      return x;
  }
}

/** The whole forward from the normalised input, each listed layer's output in order (input first). */
export function referenceActivations(variant: Pick<Variant, 'batchNorm' | 'dropout'>, tensors: Tensors, input: number[]): { layer: string; values: number[] }[] {
  const out = [{ layer: 'input', values: input }];
  let h = input;
  for (const layer of listedLayers(variant)) {
    h = referenceLayer(layer, h, tensors);
    out.push({ layer: layer.name, values: h });
  }
  return out;
}
