/**
 * The recorded dispatches a trainer replays: a training step (forward, loss, backward, optimizer)
 * per batch size and an evaluation batch per (source, batch size), each built once — a step at
 * run time reuses them, with no bind group created on the hot path.
 */
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import { Adam, Sgd } from '../ops/index.ts';
import type { TrainerOptions } from './options.ts';
import type { DataSource, LayerwiseStep, StepPlanner } from './plan.ts';
import type { ModelState } from './state.ts';

/** The optimizer's update of the whole model, one dispatch sequence over the parameter arena. */
export function optimizerStep(gpu: Gpu, options: TrainerOptions, model: ModelState, step: GPUBuffer): Dispatch[] {
  const { optimizer: o, variant } = options;
  const m = model;
  const count = m.params.elements;
  if (o.kind === 'sgd') {
    const sgd = new Sgd(gpu, { count, momentum: o.momentum, nesterov: o.nesterov, weightDecay: variant.weightDecay });
    return sgd.step(m.params.flat, m.grads.flat, m.moment1.flat, step);
  }
  const adam = new Adam(gpu, {
    count, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: variant.weightDecay,
    decoupled: o.kind === 'adamw' || variant.decoupledWeightDecay,
  });
  return adam.step(m.params.flat, m.grads.flat, m.moment1.flat, m.moment2.flat, step);
}

export interface PlanTargets {
  train: DataSource;
  /** Where training and evaluation accumulate loss and correct counts. */
  trainMetrics: Tensor;
  evalMetrics: Tensor;
  optimizerStep: Dispatch[];
  /** Evaluate like the original study (see TrainerOptions.quirks). */
  quirks: boolean;
  /** Run planning code and make what it allocates the trainer's (ops allocate uniforms lazily). */
  own<T>(plan: () => T): T;
}

export class TrainerPlans {
  private readonly cache = new Map<string, Dispatch[]>();

  constructor(private readonly planner: StepPlanner, private readonly targets: PlanTargets) {}

  train(batch: number): Dispatch[] {
    const t = this.targets;
    return this.planned(`train@${batch}`, () => [...this.planner.train(t.train, batch, t.trainMetrics), ...t.optimizerStep]);
  }

  evaluate(source: DataSource, batch: number): Dispatch[] {
    const mode = this.targets.quirks ? 'quirks' : 'eval';
    return this.planned(`${source.name}@${batch}`, () => this.planner.evaluate(source, batch, this.targets.evalMetrics, mode));
  }

  /** Prediction plans are built per call: their sources (e.g. uploaded images) come and go. */
  predict(source: DataSource, batch: number, predictions: Tensor): Dispatch[] {
    return this.targets.own(() => this.planner.predict(source, batch, predictions));
  }

  /** One image's forward cut layer by layer (see StepPlanner.layerwise); built per call, as predict. */
  layerwise(source: DataSource): LayerwiseStep[] {
    return this.targets.own(() => this.planner.layerwise(source));
  }

  private planned(key: string, build: () => Dispatch[]): Dispatch[] {
    let dispatches = this.cache.get(key);
    if (!dispatches) {
      dispatches = this.targets.own(build);
      this.cache.set(key, dispatches);
    }
    return dispatches;
  }
}
