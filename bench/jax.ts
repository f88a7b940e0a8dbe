/**
 * A peer: the baseline LeNet-5 in jax-js (NCHW, as lax.conv wants it) — conv via lax.conv, 2×2
 * average pooling as a reshape and mean, tanh, softmax cross-entropy, and Adam written with jax-js
 * ops — one jit-compiled training step (valueAndGrad inside jit) on jax-js's WebGPU device.
 * jax-js arrays move into the functions they are passed to (`.ref` keeps a second reference), so
 * the step takes the whole state and returns the next one.
 */
import { defaultDevice, getWebGPUDevice, init, jit, lax, nn, numpy as np, tree, valueAndGrad, type Device } from '@jax-js/jax';
import type { LabelledImages } from '../src/data/idx.ts';
import { parameterCount } from '../src/model/lenet.ts';
import { SeededRandom } from '../src/random.ts';
import { timed, type PeerFactory } from './peer.ts';

export type Params = Record<'c1w' | 'c1b' | 'c2w' | 'c2b' | 'c3w' | 'c3b' | 'f1w' | 'f1b' | 'f2w' | 'f2b', np.Array>;

/** Shapes (conv OIHW, linear [in, out]) and fan-ins, in our layer order. */
const SHAPES: Record<keyof Params, { shape: number[]; fanIn: number }> = {
  c1w: { shape: [6, 1, 5, 5], fanIn: 25 }, c1b: { shape: [6], fanIn: 25 },
  c2w: { shape: [16, 6, 5, 5], fanIn: 150 }, c2b: { shape: [16], fanIn: 150 },
  c3w: { shape: [120, 16, 5, 5], fanIn: 400 }, c3b: { shape: [120], fanIn: 400 },
  f1w: { shape: [120, 84], fanIn: 120 }, f1b: { shape: [84], fanIn: 120 },
  f2w: { shape: [84, 10], fanIn: 84 }, f2b: { shape: [10], fanIn: 84 },
};

/** PyTorch's default init, U(±1/√fan_in) for weights and biases, as the engine uses. */
function initParams(seed: number): Params {
  const rng = new SeededRandom(seed);
  const entries = Object.entries(SHAPES).map(([name, { shape, fanIn }]) => {
    const bound = 1 / Math.sqrt(fanIn);
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-bound, bound));
    return [name, np.array(values, { shape })];
  });
  return Object.fromEntries(entries) as Params;
}

/** 2×2 average pooling, stride 2, on NCHW. */
function avgPool(x: np.Array): np.Array {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return x.reshape([n, c, h / 2, 2, w / 2, 2]).mean([3, 5]);
}

const channelBias = (b: np.Array) => b.reshape([1, -1, 1, 1]);

/** conv1 6@5×5 same → tanh → pool → conv2 16@5×5 → tanh → pool → conv3 120@5×5 → fc1 84 tanh → fc2 10. */
function logits(p: Params, x: np.Array): np.Array {
  let h = avgPool(np.tanh(lax.conv(x, p.c1w, [1, 1], 'SAME').add(channelBias(p.c1b))));
  h = avgPool(np.tanh(lax.conv(h, p.c2w, [1, 1], 'VALID').add(channelBias(p.c2b))));
  h = lax.conv(h, p.c3w, [1, 1], 'VALID').add(channelBias(p.c3b));
  h = np.tanh(np.matmul(h.reshape([-1, 120]), p.f1w).add(p.f1b));
  return np.matmul(h, p.f2w).add(p.f2b);
}

/** Mean softmax cross-entropy against one-hot labels (exported for tests/bench-peers.test.ts). */
export function loss(p: Params, x: np.Array, y: np.Array): np.Array {
  return nn.logSoftmax(logits(p, x), -1).mul(y).sum().mul(-1 / x.shape[0]!);
}

const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-8;
const LR = 1e-3;

/** A type, not an interface: jit's signature needs the index signature only type aliases get. */
type State = { params: Params; m: Params; v: Params };

/** One step: gather the batch, loss and gradients, Adam (bias corrections passed in as scalars). */
const trainStep = jit((s: State, images: np.Array, labels: np.Array, idx: np.Array, correction1: np.Array, correction2: np.Array) => {
  const x = np.take(images, idx.ref, 0);
  const y = np.take(labels, idx, 0);
  const [value, g] = valueAndGrad(loss)(tree.ref(s.params), x, y);
  const next: State = { params: {} as Params, m: {} as Params, v: {} as Params };
  const names = Object.keys(SHAPES) as (keyof Params)[];
  names.forEach((name, i) => {
    const gi = g[name];
    const m = s.m[name].mul(B1).add(gi.ref.mul(1 - B1));
    const v = s.v[name].mul(B2).add(gi.ref.mul(gi).mul(1 - B2));
    // The corrections are used once per parameter: every use but the last takes a reference.
    const c1 = i < names.length - 1 ? correction1.ref : correction1;
    const c2 = i < names.length - 1 ? correction2.ref : correction2;
    const step = m.ref.mul(c1).div(np.sqrt(v.ref.mul(c2)).add(EPS)).mul(LR);
    next.params[name] = s.params[name].sub(step);
    next.m[name] = m;
    next.v[name] = v;
  });
  return { state: next, loss: value };
});

/** Correct predictions in one eval batch. */
const correct = jit((p: Params, x: np.Array, labels: np.Array) => np.argmax(logits(p, x), -1).equal(labels).astype(np.int32).sum());

/** Images normalized to [-1, 1] (NCHW) and labels, resident on the device. */
interface JaxData {
  images: np.Array;
  oneHot: np.Array;
  labels: np.Array;
  count: number;
}

function uploadJax(set: LabelledImages, count: number, device: Device): JaxData {
  const n = Math.min(count, set.count);
  const pixels = Float32Array.from(set.images.subarray(0, n * 784), (v) => (v * 2) / 255 - 1);
  const labels = Int32Array.from(set.labels.subarray(0, n));
  const images = np.array(pixels, { shape: [n, 1, 28, 28], device });
  const labelArray = np.array(labels, { shape: [n], dtype: np.int32, device });
  return { images, oneHot: nn.oneHot(labelArray.ref, 10).astype(np.float32), labels: labelArray, count: n };
}

class JaxTrainer {
  private state: State;
  private step = 0;
  private readonly order: SeededRandom;

  constructor(private readonly data: JaxData, readonly batch: number, seed: number) {
    if (batch > data.count) throw new RangeError(`jax-js peer: batch ${batch} exceeds the ${data.count} resident images`);
    const params = initParams(seed);
    const count = Object.values(params).reduce((sum, p) => sum + p.size, 0);
    if (count !== parameterCount(false)) throw new Error(`jax-js LeNet-5 has ${count} parameters, ours ${parameterCount(false)}`);
    const zeros = () => Object.fromEntries(Object.entries(SHAPES).map(([name, { shape }]) => [name, np.zeros(shape)])) as Params;
    this.state = { params, m: zeros(), v: zeros() };
    this.order = new SeededRandom(seed + 1);
  }

  /** `steps` training steps; resolves once the device has finished them (the last loss is read back). */
  async train(steps: number): Promise<number> {
    let last: np.Array | null = null;
    for (let s = 0; s < steps; s++) {
      this.step++;
      const idx = new Int32Array(this.batch);
      for (let i = 0; i < this.batch; i++) idx[i] = this.order.int(this.data.count);
      last?.dispose();
      const out = trainStep(
        this.state, this.data.images.ref, this.data.oneHot.ref, np.array(idx, { dtype: np.int32 }),
        1 / (1 - B1 ** this.step), 1 / (1 - B2 ** this.step),
      );
      this.state = out.state;
      last = out.loss;
    }
    // data() consumes the array.
    return (await last!.data())[0]!;
  }

  /** Test accuracy over `data`, in eval batches of `batch`. */
  async accuracy(data: JaxData, batch: number): Promise<number> {
    let hits = 0;
    for (let start = 0; start < data.count; start += batch) {
      const size = Math.min(batch, data.count - start);
      const x = np.take(data.images.ref, np.arange(start, start + size).astype(np.int32), 0);
      const y = np.take(data.labels.ref, np.arange(start, start + size).astype(np.int32), 0);
      hits += (await correct(tree.ref(this.state.params), x, y).data())[0]!;
    }
    return hits / data.count;
  }

  /** The device the parameters live on. */
  get device(): Device {
    return this.state.params.c1w.device;
  }

  dispose(): void {
    for (const part of [this.state.params, this.state.m, this.state.v]) for (const p of Object.values(part)) p.dispose();
  }
}

/**
 * The jax-js peer on its WebGPU device (the baseline only: dropout, L2 and batch norm would each
 * need writing by hand). Inference is the accuracy pass: eval-mode forward, argmax, compare.
 */
export const jaxPeer: PeerFactory = async (dataset, sizes) => {
  const devices = await init('webgpu');
  if (!devices.includes('webgpu')) throw new Error(`jax-js found no WebGPU device (it offers ${devices.join(', ')})`);
  defaultDevice('webgpu');
  const gpuErrors: string[] = [];
  getWebGPUDevice().addEventListener('uncapturederror', (e) => gpuErrors.push((e as GPUUncapturedErrorEvent).error.message));
  const train = uploadJax(dataset.train, sizes.trainImages, 'webgpu');
  const inferSet = uploadJax(dataset.test, sizes.inferImages, 'webgpu');
  const accuracySet = uploadJax(dataset.test, sizes.accuracyImages, 'webgpu');
  let trainer: JaxTrainer | null = null;
  const open = () => {
    if (!trainer) throw new Error('jax-js: open() first');
    return trainer;
  };
  // Its parameters' device, once a trainer exists; `open` checks every trainer's.
  const info = { engine: 'jax-js' as const, version: '', backend: 'webgpu', variants: ['baseline' as const], details: { devices } };
  return {
    info,
    gpuErrors,
    async open(name, batch, seed) {
      if (name !== 'baseline') throw new Error(`jax-js peer: only the baseline, not ${name}`);
      trainer?.dispose();
      trainer = new JaxTrainer(train, batch, seed);
      if (trainer.device !== 'webgpu') throw new Error(`jax-js parameters are on ${trainer.device}, not webgpu`);
    },
    train: (steps) => timed(() => open().train(steps)),
    infer: async (batch) => ({ ...(await timed(() => open().accuracy(inferSet, batch))), samples: inferSet.count }),
    accuracy: (batch) => open().accuracy(accuracySet, batch),
    async close() {
      trainer?.dispose();
      trainer = null;
    },
  };
};
