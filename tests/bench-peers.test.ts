import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { defaultDevice, grad, init, numpy as np, tree } from '@jax-js/jax';
import { loss, type Params } from '../bench/jax.ts';
import { lenet } from '../bench/tfjs-model.ts';
import { variant } from '../src/model/variants.ts';
import { SeededRandom } from '../src/random.ts';

// The jax-js peer (bench/jax.ts) trains the same LeNet-5 as the TF.js peers (bench/tfjs-model.ts):
// with TF.js's weights copied over (conv HWIO → OIHW, NHWC → NCHW input), the loss and every
// parameter's gradient agree with TF.js's CPU backend. jax-js runs on its WASM device here.
const test = suite('bench peers: jax-js LeNet-5 = TF.js LeNet-5');

const NAMES: (keyof Params)[] = ['c1w', 'c1b', 'c2w', 'c2b', 'c3w', 'c3b', 'f1w', 'f1b', 'f2w', 'f2b'];
/** TF.js layout → jax-js layout: conv kernels HWIO → OIHW, everything else as is. */
const toJax = (t: tf.Tensor) => (t.rank === 4 ? tf.transpose(t, [3, 2, 0, 1]) : t);

function maxRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  return worst / scale;
}

test('same loss and gradients for the same weights and batch', async () => {
  await tf.setBackend('cpu');
  await init('wasm');
  defaultDevice('wasm');
  const rng = new SeededRandom(3);
  const batch = 4;
  const pixels = Float32Array.from({ length: batch * 784 }, () => rng.uniform(-1, 1));
  const labels = Array.from({ length: batch }, () => rng.int(10));

  const model = lenet(variant('baseline'), 7);
  const weights = model.trainableWeights.map((w) => w.read());
  assert.is(weights.length, NAMES.length);
  const x = tf.tensor4d(pixels, [batch, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat();
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
  const tfGrads = model.trainableWeights.map((w) => toJax(grads[w.originalName]!).dataSync());

  const params = Object.fromEntries(NAMES.map((name, i) => {
    const w = toJax(weights[i]!);
    return [name, np.array(w.dataSync() as Float32Array, { shape: w.shape })];
  })) as Params;
  const jx = np.array(tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array, { shape: [batch, 1, 28, 28] });
  const jy = np.array(y.dataSync() as Float32Array, { shape: [batch, 10] });
  const jaxLoss = (await loss(tree.ref(params), jx.ref, jy.ref).data())[0]!;
  const jaxGrads = grad(loss)(params, jx, jy) as Params;

  const tfLoss = value.dataSync()[0]!;
  assert.ok(Math.abs(jaxLoss - tfLoss) <= 1e-5 * tfLoss, `loss: jax-js ${jaxLoss}, TF.js ${tfLoss}`);
  for (const [i, name] of NAMES.entries()) {
    const g = await jaxGrads[name].data();
    assert.is(g.length, tfGrads[i]!.length, name);
    // float32 on both sides, summed in different orders (seen: ≤ 1e-6): 1e-5 of the largest entry.
    const error = maxRelative(g as Float32Array, tfGrads[i]!);
    assert.ok(error <= 1e-5, `${name}: max |jax-js − TF.js| is ${error} of the largest entry`);
  }
});

test.run();
