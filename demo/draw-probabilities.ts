/**
 * Class probabilities for one image from a variant's eval-mode forward: the softmax of the
 * logits, which Trainer.activations reports as the last layer, fc2 (predict() answers only the
 * argmax).
 */
import type { LayerActivation } from '../src/train/types.ts';

/** softmax(fc2), with the largest logit subtracted first so no exp overflows. */
export function classProbabilities(layers: readonly LayerActivation[]): number[] {
  const logits = layers.find((l) => l.layer === 'fc2');
  if (!logits) throw new Error(`no fc2 (logits) among the layers ${layers.map((l) => l.layer).join(', ')}`);
  const top = Math.max(...logits.data);
  const exps = [...logits.data].map((z) => Math.exp(z - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
