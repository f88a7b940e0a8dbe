/**
 * The step planner: turns the model's layer list (lenetLayers, with the variant's dropout and
 * batch norm) into recorded dispatches — gather → forward → loss → backward for a training step,
 * gather → forward → metrics for evaluation. Forward walks the list, backward walks it reversed
 * (each kind's planning is in ./layers.ts). Ops, bind groups and uniforms are created once per
 * (layer, batch size) and cached, so a step at run time is only the step uniform's copy plus
 * these dispatches.
 */
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import { CLASSES, INPUT_SIZE, lenetLayers, type LayerSpec } from '../model/lenet.ts';
import { BatchGather, DivergenceTracker, SoftmaxCrossEntropy } from '../ops/index.ts';
import { checkFusions, planBackward, planForward, type LayerContext, type Mode } from './layers.ts';
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

export interface Normalization {
  scale: number;
  shift: number;
}

interface Forward {
  context: LayerContext;
  labels: Tensor;
  logits: Tensor;
  /** Each layer's input, by index in the layer list (what backward needs). */
  inputs: Tensor[];
  /** How many dispatches were recorded after the gather, then after each layer. */
  ends: number[];
}

/** One step of a layer-by-layer forward: a layer's dispatches and the tensor it left its output in. */
export interface LayerwiseStep {
  /** The layer's name in lenetLayers(), or 'input' for the gathered, normalised image. */
  name: string;
  kind: LayerSpec['kind'] | 'input';
  dispatches: Dispatch[];
  output: Tensor;
}

export class StepPlanner {
  private readonly ops = new Map<string, unknown>();
  readonly layers: readonly LayerSpec[];

  constructor(
    private readonly gpu: Gpu,
    private readonly model: ModelState,
    /** Activations: sized for the larger of the training and evaluation batches. */
    private readonly ws: Workspace,
    /** Gradients: only training steps use them, so they are sized for the training batch. */
    private readonly gradients: Workspace,
    private readonly step: GPUBuffer,
    private readonly normalization: Normalization,
  ) {
    this.layers = lenetLayers(model.variant);
    checkFusions(this.layers);
  }

  private op<T>(key: string, make: () => T): T {
    let op = this.ops.get(key) as T | undefined;
    if (op === undefined) {
      op = make();
      this.ops.set(key, op);
    }
    return op;
  }

  private loss(batch: number): SoftmaxCrossEntropy {
    return this.op(`loss@${batch}`, () => new SoftmaxCrossEntropy(this.gpu, { batch, classes: CLASSES }));
  }

  /** One training step's dispatches; loss and correct counts accumulate into `metrics`. */
  train(source: DataSource, batch: number, metrics: Tensor): Dispatch[] {
    const f = this.forward(source, batch, 'train');
    const dLogits = this.gradients.get('logits.grad', batch, [CLASSES]);
    const tracker = this.op('divergence', () => new DivergenceTracker(this.gpu));
    f.context.dispatches.push(...this.loss(batch).forward(f.logits, f.labels, dLogits, metrics), ...tracker.track(metrics, this.step));
    this.backward(f, dLogits);
    return f.context.dispatches;
  }

  /** One evaluation batch: loss and correct counts accumulate into `metrics`. */
  evaluate(source: DataSource, batch: number, metrics: Tensor, mode: 'eval' | 'quirks'): Dispatch[] {
    const f = this.forward(source, batch, mode);
    return [...f.context.dispatches, ...this.loss(batch).evaluate(f.logits, f.labels, metrics)];
  }

  /** One batch of predictions (eval mode): the argmax class of each sample. */
  predict(source: DataSource, batch: number, predictions: Tensor): Dispatch[] {
    const f = this.forward(source, batch, 'eval');
    return [...f.context.dispatches, ...this.loss(batch).predict(f.logits, predictions)];
  }

  /**
   * One image's forward in eval mode, cut after the gather and after each layer, so a copy can
   * follow each piece: a tanh-pool layer overwrites its input with tanh in place, so a layer's
   * output is only itself until the next layer runs. Layers that record nothing (flatten, dropout
   * in eval mode) pass their input on and are left out.
   */
  layerwise(source: DataSource): LayerwiseStep[] {
    const f = this.forward(source, 1, 'eval');
    const outputs = [...f.inputs, f.logits];
    const steps: LayerwiseStep[] = [{ name: 'input', kind: 'input', dispatches: f.context.dispatches.slice(0, f.ends[0]), output: outputs[0]! }];
    this.layers.forEach((layer, i) => {
      const dispatches = f.context.dispatches.slice(f.ends[i], f.ends[i + 1]);
      if (dispatches.length) steps.push({ name: layer.name, kind: layer.kind, dispatches, output: outputs[i + 1]! });
    });
    return steps;
  }

  private forward(source: DataSource, batch: number, mode: Mode): Forward {
    const context: LayerContext = {
      gpu: this.gpu, model: this.model, batch, activations: this.ws, gradients: this.gradients, step: this.step,
      dispatches: [], op: (key, make) => this.op(key, make),
    };
    const x = this.ws.get('x', batch, [1, INPUT_SIZE, INPUT_SIZE]);
    const labels = this.ws.get('labels', batch, [], 'u32');
    // The gather op's uniform holds the source's image count, so the key names both.
    const gather = this.op(`gather:${source.name}:${source.images}@${batch}`, () =>
      new BatchGather(this.gpu, { batch, pixels: INPUT_SIZE * INPUT_SIZE, images: source.images, ...this.normalization }));
    context.dispatches.push(...gather.gather(source.pixels, source.labels, source.order, this.step, x, labels));
    const inputs: Tensor[] = [];
    const ends = [context.dispatches.length];
    let h = x;
    for (const layer of this.layers) {
      inputs.push(h);
      h = planForward(context, layer, h, mode);
      ends.push(context.dispatches.length);
    }
    return { context, labels, logits: h, inputs, ends };
  }

  private backward(f: Forward, dLogits: Tensor): void {
    let dy = dLogits;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const backward = { layer: this.layers[i]!, input: f.inputs[i]!, dy, previous: this.layers[i - 1] };
      // The first layer's input is the batch itself: no gradient for it.
      const dx = planBackward(f.context, backward, i > 0);
      if (dx) dy = dx;
    }
  }
}
