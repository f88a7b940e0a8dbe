/**
 * The step planner: turns LeNet-5 (with the variant's dropout and batch norm) into recorded
 * dispatches — gather → forward → loss → backward for a training step, gather → forward → metrics
 * for evaluation. Ops, bind groups and uniforms are created once per (layer, batch size) and
 * cached, so a step at run time is only the step uniform's copy plus these dispatches.
 */
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import { BATCH_NORM_AFTER, CLASSES, CONV_LAYERS, INPUT_SIZE, LINEAR_LAYERS, type ConvLayer } from '../model/lenet.ts';
import { BatchGather, BatchNorm, Conv2d, DivergenceTracker, Dropout, Linear, SoftmaxCrossEntropy, TanhPool } from '../ops/index.ts';
import type { ModelState } from './state.ts';
import type { Workspace } from './workspace.ts';

/** Images resident on the GPU and the index list a plan walks through. */
export interface DataSource {
  name: string;
  pixels: Tensor;
  labels: Tensor;
  order: Tensor;
  images: number;
}

/**
 * train: dropout on, batch statistics (updating running ones). eval: dropout off, running
 * statistics. quirks: the original study's evaluation — dropout on, batch statistics.
 */
export type Mode = 'train' | 'eval' | 'quirks';

export interface Normalization {
  scale: number;
  shift: number;
}

/** The dropout layer's id in the counter-based RNG. */
const DROPOUT_LAYER = 0;

interface Forward {
  dispatches: Dispatch[];
  x: Tensor;
  labels: Tensor;
  logits: Tensor;
  /** Tensors backward needs, by layer. */
  saved: Map<string, Tensor>;
}

export class StepPlanner {
  private readonly ops = new Map<string, unknown>();

  constructor(
    private readonly gpu: Gpu,
    private readonly model: ModelState,
    /** Activations: sized for the larger of the training and evaluation batches. */
    private readonly ws: Workspace,
    /** Gradients: only training steps use them, so they are sized for the training batch. */
    private readonly gradients: Workspace,
    private readonly step: GPUBuffer,
    private readonly normalization: Normalization,
  ) {}

  private op<T>(key: string, make: () => T): T {
    let op = this.ops.get(key) as T | undefined;
    if (op === undefined) {
      op = make();
      this.ops.set(key, op);
    }
    return op;
  }

  /** One training step's dispatches; loss and correct counts accumulate into `metrics`. */
  train(source: DataSource, batch: number, metrics: Tensor): Dispatch[] {
    const f = this.forward(source, batch, 'train');
    const loss = this.op(`loss@${batch}`, () => new SoftmaxCrossEntropy(this.gpu, { batch, classes: CLASSES }));
    const dLogits = this.gradients.get('logits.grad', batch, [CLASSES]);
    const tracker = this.op('divergence', () => new DivergenceTracker(this.gpu));
    return [
      ...f.dispatches,
      ...loss.forward(f.logits, f.labels, dLogits, metrics),
      ...tracker.track(metrics, this.step),
      ...this.backward(batch, f, dLogits),
    ];
  }

  /** One evaluation batch: loss and correct counts accumulate into `metrics`. */
  evaluate(source: DataSource, batch: number, metrics: Tensor, mode: 'eval' | 'quirks'): Dispatch[] {
    const f = this.forward(source, batch, mode);
    const loss = this.op(`loss@${batch}`, () => new SoftmaxCrossEntropy(this.gpu, { batch, classes: CLASSES }));
    return [...f.dispatches, ...loss.evaluate(f.logits, f.labels, metrics)];
  }

  /** One batch of predictions (eval mode): argmax class and the logits stay in the workspace. */
  predict(source: DataSource, batch: number, predictions: Tensor): { dispatches: Dispatch[]; logits: Tensor } {
    const f = this.forward(source, batch, 'eval');
    const loss = this.op(`loss@${batch}`, () => new SoftmaxCrossEntropy(this.gpu, { batch, classes: CLASSES }));
    return { dispatches: [...f.dispatches, ...loss.predict(f.logits, predictions)], logits: f.logits };
  }

  private forward(source: DataSource, b: number, mode: Mode): Forward {
    const { gpu, ws, model } = this;
    const variant = model.variant;
    const d: Dispatch[] = [];
    const saved = new Map<string, Tensor>();

    const x = ws.get('x', b, [1, INPUT_SIZE, INPUT_SIZE]);
    const labels = ws.get('labels', b, [], 'u32');
    // The gather op's uniform holds the source's image count, so the key names both.
    const gather = this.op(`gather:${source.name}:${source.images}@${b}`, () =>
      new BatchGather(gpu, { batch: b, pixels: INPUT_SIZE * INPUT_SIZE, images: source.images, ...this.normalization }));
    d.push(...gather.gather(source.pixels, source.labels, source.order, this.step, x, labels));
    saved.set('x', x);

    const conv = (layer: ConvLayer, input: Tensor): Tensor => {
      const op = this.conv(layer, b);
      const out = ws.get(`${layer.name}.out`, b, op.outputShape.slice(1));
      d.push(...op.forward(input, model.param(`${layer.name}.weight`), model.param(`${layer.name}.bias`), out));
      saved.set(`${layer.name}.in`, input);
      saved.set(`${layer.name}.out`, out);
      return out;
    };
    const norm = (layer: ConvLayer, input: Tensor): Tensor => {
      if (!variant.batchNorm) return input;
      const bn = BATCH_NORM_AFTER[layer.name]!;
      const op = this.batchNorm(layer, input, b);
      const out = ws.get(`${bn}.out`, b, input.shape.slice(1));
      const [gamma, beta] = [model.param(`${bn}.weight`), model.param(`${bn}.bias`)];
      const [runningMean, runningVar] = [model.statistic(`${bn}.running_mean`), model.statistic(`${bn}.running_var`)];
      if (mode === 'eval') d.push(...op.forwardEval(input, gamma, beta, runningMean, runningVar, out));
      else d.push(...op.forwardTrain(input, gamma, beta, out, runningMean, runningVar, this.saved(`${bn}.mean`, layer), this.saved(`${bn}.inv_std`, layer)));
      return out;
    };
    const tanhPool = (name: string, input: Tensor): Tensor => {
      const op = this.tanhPool(name, input, b);
      const out = ws.get(name, b, op.outputShape.slice(1));
      d.push(...op.forward(input, out));
      // The fused op leaves tanh(input) in the input's buffer: backward's (1 − t²).
      saved.set(`${name}.tanh`, input);
      return out;
    };

    const [conv1, conv2, conv3] = CONV_LAYERS as [ConvLayer, ConvLayer, ConvLayer];
    const p1 = tanhPool('act1', norm(conv1, conv(conv1, x)));
    let p2 = tanhPool('act2', norm(conv2, conv(conv2, p1)));
    if (variant.dropout > 0 && mode !== 'eval') {
      const op = this.dropout(p2, b);
      const out = ws.get('dropout.out', b, p2.shape.slice(1));
      d.push(...op.forward(p2, out, this.step));
      p2 = out;
    }
    const h3 = norm(conv3, conv(conv3, p2)).reshape([b, LINEAR_LAYERS[0].inFeatures]);
    // fc1 applies its tanh itself (fused): a4 = tanh(fc1(h3)).
    const a4 = this.linear(0, h3, b, d, saved);
    const logits = this.linear(1, a4, b, d, saved);
    return { dispatches: d, x, labels, logits, saved };
  }

  private backward(b: number, f: Forward, dLogits: Tensor): Dispatch[] {
    const { model } = this;
    const variant = model.variant;
    const d: Dispatch[] = [];
    const grad = (name: string, like: Tensor) => this.gradients.get(`${name}.grad`, b, like.shape.slice(1));
    const saved = (name: string) => f.saved.get(name)!;

    // Weight and bias gradients, then dx if needed.
    const convBackward = (layer: ConvLayer, dy: Tensor, needInput: boolean): Tensor | null => {
      const op = this.conv(layer, b);
      const input = saved(`${layer.name}.in`);
      d.push(...op.backwardWeight(input, dy, model.grad(`${layer.name}.weight`), model.grad(`${layer.name}.bias`)));
      if (!needInput) return null;
      const dx = grad(`${layer.name}.in`, input);
      d.push(...op.backwardInput(dy, model.param(`${layer.name}.weight`), dx));
      return dx;
    };
    const linearBackward = (index: 0 | 1, dy: Tensor): Tensor => {
      const { name } = LINEAR_LAYERS[index];
      const op = this.linearOp(index, b);
      const input = saved(`${name}.in`);
      d.push(...op.backwardWeight(input, dy, model.grad(`${name}.weight`), model.grad(`${name}.bias`)));
      // fc2's input is the output of fc1's fused tanh: its gradient comes out through that tanh,
      // as the gradient of fc1's pre-activation.
      const through = index === 1 ? input : undefined;
      const dx = grad(`${name}.in`, input);
      d.push(...op.backwardInput(dy, model.param(`${name}.weight`), dx, through));
      return dx;
    };
    const normBackward = (layer: ConvLayer, dy: Tensor): Tensor => {
      if (!variant.batchNorm) return dy;
      const bn = BATCH_NORM_AFTER[layer.name]!;
      const input = saved(`${layer.name}.out`);
      const dx = grad(`${layer.name}.out`, input);
      d.push(...this.batchNorm(layer, input, b).backward(
        input, dy, model.param(`${bn}.weight`), this.saved(`${bn}.mean`, layer), this.saved(`${bn}.inv_std`, layer),
        dx, model.grad(`${bn}.weight`), model.grad(`${bn}.bias`)));
      return dx;
    };
    const tanhPoolBackward = (name: string, dy: Tensor): Tensor => {
      const t = saved(`${name}.tanh`);
      const dz = grad(`${name}.in`, t);
      d.push(...this.tanhPool(name, t, b).backward(t, dy, dz));
      return dz;
    };

    const [conv1, conv2, conv3] = CONV_LAYERS as [ConvLayer, ConvLayer, ConvLayer];
    const dh3 = linearBackward(0, linearBackward(1, dLogits));
    let dp2 = convBackward(conv3, normBackward(conv3, dh3.reshape(saved('conv3.out').shape)), true)!;
    if (variant.dropout > 0) {
      const dx = this.gradients.get('act2.grad', b, dp2.shape.slice(1));
      d.push(...this.dropout(dx, b).backward(dp2, dx, this.step));
      dp2 = dx;
    }
    const dp1 = convBackward(conv2, normBackward(conv2, tanhPoolBackward('act2', dp2)), true)!;
    convBackward(conv1, normBackward(conv1, tanhPoolBackward('act1', dp1)), false);
    return d;
  }

  private linear(index: 0 | 1, input: Tensor, b: number, d: Dispatch[], saved: Map<string, Tensor>): Tensor {
    const layer = LINEAR_LAYERS[index];
    const op = this.linearOp(index, b);
    const out = this.ws.get(`${layer.name}.out`, b, [layer.outFeatures]);
    d.push(...op.forward(input, this.model.param(`${layer.name}.weight`), this.model.param(`${layer.name}.bias`), out));
    saved.set(`${layer.name}.in`, input);
    return out;
  }

  private linearOp(index: 0 | 1, b: number): Linear {
    const layer = LINEAR_LAYERS[index];
    // fc1 → tanh is one fused op; fc2 (the logits) has no activation.
    const activation = index === 0 ? 'tanh' as const : undefined;
    return this.op(`${layer.name}@${b}`, () => new Linear(this.gpu, { batch: b, inFeatures: layer.inFeatures, outFeatures: layer.outFeatures, activation }));
  }

  private conv(layer: ConvLayer, b: number): Conv2d {
    return this.op(`${layer.name}@${b}`, () => new Conv2d(this.gpu, {
      batch: b, inChannels: layer.inChannels, outChannels: layer.outChannels,
      height: layer.inputSize, width: layer.inputSize, kernelSize: layer.kernelSize, padding: layer.padding,
    }));
  }

  private batchNorm(layer: ConvLayer, input: Tensor, b: number): BatchNorm {
    const spatial = input.shape.slice(2).reduce((p, q) => p * q, 1);
    return this.op(`${BATCH_NORM_AFTER[layer.name]}@${b}`, () => new BatchNorm(this.gpu, { batch: b, channels: layer.outChannels, spatial }));
  }

  /** tanh then 2×2 average pooling, fused (bit-identical to Tanh + AvgPool2d; tanh kept in place). */
  private tanhPool(name: string, input: Tensor, b: number): TanhPool {
    const [, channels, height, width] = input.shape as [number, number, number, number];
    return this.op(`${name}@${b}`, () => new TanhPool(this.gpu, { batch: b, channels, height, width, kernelSize: 2 }));
  }

  private dropout(like: Tensor, b: number): Dropout {
    return this.op(`dropout@${b}`, () => new Dropout(this.gpu, { shape: [b, ...like.shape.slice(1)], p: this.model.variant.dropout, layer: DROPOUT_LAYER }));
  }

  /** Batch norm's saved batch statistics (per channel, shared by every batch size). */
  private saved(name: string, layer: ConvLayer): Tensor {
    return this.ws.fixed(name, [layer.outChannels]);
  }
}
