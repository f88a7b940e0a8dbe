/**
 * Floating-point operations of one LeNet-5 training sample, counted from the layer shapes: the
 * multiply-adds (2 FLOPs each) of the conv and linear layers, forward, weight gradient and input
 * gradient (none for conv1, whose input is the image). Activations, pooling, batch norm, the loss
 * and the optimizer are a few percent more and are not counted, so the GFLOP/s derived from this
 * is the useful work rate, comparable with a matmul's.
 */
import { CONV_LAYERS, LINEAR_LAYERS } from '../src/model/lenet.ts';

export interface LayerFlops {
  layer: string;
  forward: number;
  weightGradient: number;
  inputGradient: number;
}

export function trainingFlops(): { layers: LayerFlops[]; total: number; forward: number } {
  const layers: LayerFlops[] = [];
  for (const [i, c] of CONV_LAYERS.entries()) {
    const out = c.inputSize + 2 * c.padding - c.kernelSize + 1;
    const macs = c.outChannels * out * out * c.inChannels * c.kernelSize * c.kernelSize;
    layers.push({ layer: c.name, forward: 2 * macs, weightGradient: 2 * macs, inputGradient: i === 0 ? 0 : 2 * macs });
  }
  for (const l of LINEAR_LAYERS) {
    const macs = l.inFeatures * l.outFeatures;
    layers.push({ layer: l.name, forward: 2 * macs, weightGradient: 2 * macs, inputGradient: 2 * macs });
  }
  const forward = layers.reduce((s, l) => s + l.forward, 0);
  const total = layers.reduce((s, l) => s + l.forward + l.weightGradient + l.inputGradient, 0);
  return { layers, total, forward };
}
