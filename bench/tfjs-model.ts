/**
 * The TF.js peers' model and trainer, on whichever backend TF.js runs (WebGPU in the page,
 * WASM in bench/wasm-peer.ts's workers): the same LeNet-5, trained the fastest way TF.js offers
 * without changing the math — tfjs-layers' own train function (loss + regularizer penalties
 * under optimizer.minimize) in a loop, with no readback until the end of a timed run. Batches
 * are gathered on the backend from resident, already normalized images, as ours are.
 */
import * as tf from '@tensorflow/tfjs';
import type { LabelledImages } from '../src/data/idx.ts';
import { parameterCount } from '../src/model/lenet.ts';
import type { Variant } from '../src/model/variants.ts';
import { SeededRandom } from '../src/random.ts';

/** PyTorch's default init, U(±1/√fan_in) for weights and biases, as the engine uses. */
function fanInUniform(fanIn: number, seed: number): ReturnType<typeof tf.initializers.randomUniform> {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed });
}

/**
 * LeNet-5 in NHWC (TF.js's layout): conv1 6@5×5 same → [bn] → tanh → avgpool → conv2 16@5×5 →
 * [bn] → tanh → avgpool → [dropout] → conv3 120@5×5 → [bn] → flatten → fc1 84 tanh → fc2 10.
 * Coupled L2 λ (PyTorch's weight_decay adds λ·w to the gradient) is Keras' l2 of λ/2.
 */
export function lenet(variant: Variant, seed: number): tf.Sequential {
  const seeds = new SeededRandom(seed);
  const l2 = variant.weightDecay > 0 ? tf.regularizers.l2({ l2: variant.weightDecay / 2 }) : undefined;
  const params = (fanIn: number) => ({
    kernelInitializer: fanInUniform(fanIn, seeds.int(1 << 30)),
    biasInitializer: fanInUniform(fanIn, seeds.int(1 << 30)),
    kernelRegularizer: l2,
    biasRegularizer: l2,
  });
  const bn = (model: tf.Sequential) => {
    if (variant.batchNorm) model.add(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, gammaRegularizer: l2, betaRegularizer: l2 }));
  };
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', ...params(25) }));
  bn(model);
  model.add(tf.layers.activation({ activation: 'tanh' }));
  model.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 5, ...params(150) }));
  bn(model);
  model.add(tf.layers.activation({ activation: 'tanh' }));
  model.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }));
  if (variant.dropout > 0) model.add(tf.layers.dropout({ rate: variant.dropout }));
  model.add(tf.layers.conv2d({ filters: 120, kernelSize: 5, ...params(400) }));
  bn(model);
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 84, activation: 'tanh', ...params(120) }));
  model.add(tf.layers.dense({ units: 10, ...params(84) }));
  return model;
}

/** Images normalized to [-1, 1] and one-hot labels, resident in the backend's memory. */
export interface TfjsData {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  count: number;
}

export function uploadImages(set: LabelledImages, count: number): TfjsData {
  const n = Math.min(count, set.count);
  return tf.tidy(() => {
    const pixels = tf.tensor4d(Float32Array.from(set.images.subarray(0, n * 784)), [n, 28, 28, 1]);
    return {
      x: tf.keep(pixels.mul(2 / 255).sub(1)) as tf.Tensor4D,
      y: tf.keep(tf.oneHot(tf.tensor1d(Int32Array.from(set.labels.subarray(0, n)), 'int32'), 10).toFloat()) as tf.Tensor2D,
      count: n,
    };
  });
}

export class TfjsTrainer {
  readonly model: tf.Sequential;
  private readonly optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  private readonly order: SeededRandom;

  constructor(private readonly data: TfjsData, readonly variant: Variant, readonly batch: number, seed: number) {
    if (batch > data.count) throw new RangeError(`TF.js peer: batch ${batch} exceeds the ${data.count} resident images`);
    this.model = lenet(variant, seed);
    const trainable = this.model.trainableWeights.reduce((sum, w) => sum + tf.util.sizeFromShape(w.shape as number[]), 0);
    if (trainable !== parameterCount(variant.batchNorm)) {
      throw new Error(`TF.js LeNet-5 (${variant.name}) has ${trainable} trainable parameters, ours ${parameterCount(variant.batchNorm)}`);
    }
    this.order = new SeededRandom(seed + 1);
  }

  /** Random batch indices, as a shuffled epoch would give; uploaded, never read back. */
  private indices(): tf.Tensor1D {
    const idx = new Int32Array(this.batch);
    for (let i = 0; i < this.batch; i++) idx[i] = this.order.int(this.data.count);
    return tf.tensor1d(idx, 'int32');
  }

  /** `steps` training steps; resolves once the backend has finished them (the last loss is read back). */
  async train(steps: number): Promise<void> {
    let loss: tf.Scalar | null = null;
    for (let s = 0; s < steps; s++) {
      loss?.dispose();
      loss = tf.tidy(() => {
        const idx = this.indices();
        const x = tf.gather(this.data.x, idx);
        const y = tf.gather(this.data.y, idx);
        return this.optimizer.minimize(() => {
          const logits = this.model.apply(x, { training: true }) as tf.Tensor;
          let total = tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
          for (const penalty of this.model.calculateLosses()) total = tf.add(total, penalty);
          return total;
        }, true)!;
      });
    }
    await loss!.data();
    loss!.dispose();
  }

  /** Eval-mode forward over `data` in batches of `batch`; resolves when the backend is done. */
  async infer(data: TfjsData, batch: number): Promise<void> {
    let last: tf.Tensor | null = null;
    for (let start = 0; start < data.count; start += batch) {
      last?.dispose();
      last = tf.tidy(() => tf.argMax(this.model.predict(data.x.slice(start, Math.min(batch, data.count - start))) as tf.Tensor, 1));
    }
    await last!.data();
    last!.dispose();
  }

  /** Eval-mode accuracy over `data`, in batches of `batch`. */
  async accuracy(data: TfjsData, batch: number): Promise<number> {
    let hits = 0;
    for (let start = 0; start < data.count; start += batch) {
      const size = Math.min(batch, data.count - start);
      const correct = tf.tidy(() => {
        const predicted = tf.argMax(this.model.predict(data.x.slice(start, size)) as tf.Tensor, 1);
        return tf.equal(predicted, tf.argMax(data.y.slice(start, size), 1)).sum();
      });
      hits += (await correct.data())[0]!;
      correct.dispose();
    }
    return hits / data.count;
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}
