/**
 * The trainer: epochs, shuffles, progress and epoch metrics around the step planner, and the
 * public face of the parts beside it, each with a job of its own — which images it uses
 * (./sources.ts), its recorded plans (./plans.ts), command buffers and readbacks (./submit.ts),
 * evaluation and prediction (./evaluation.ts), checkpoints (./checkpoint.ts), weights
 * (./weights.ts); what it reports is typed in ./types.ts.
 */
import { isResidentOn, type ResidentDataset } from '../data/resident.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import { CLASSES, parameterCount } from '../model/lenet.ts';
import { METRICS } from '../ops/index.ts';
import { readActivations } from './activations.ts';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointTarget } from './checkpoint.ts';
import { DivergenceError, TrainerStateError } from './errors.ts';
import { evaluationOf, Evaluator } from './evaluation.ts';
import { HighLossWatch } from './high-loss-watch.ts';
import { resolveOptions, type TrainerOptions, type TrainerOptionsInput } from './options.ts';
import { StepPlanner } from './plan.ts';
import { optimizerStep, TrainerPlans } from './plans.ts';
import { epochOrder } from './shuffle.ts';
import { splitsFor, uploadSources, withImages, type Sources, type Splits } from './sources.ts';
import { ModelState } from './state.ts';
import { ReadbackWindow, StepSubmitter, type ScheduledStep } from './submit.ts';
import { Listeners } from './events.ts';
import type { EpochMetrics, Evaluation, LayerActivation, ModelTensor, Position, TrainerEvents, TrainResult } from './types.ts';
import { decodeWeights, encodeWeights, readModelTensors, writeWeights } from './weights.ts';
import { Workspace } from './workspace.ts';

function assertResident(gpu: Gpu, data: ResidentDataset): void {
  if (!isResidentOn(gpu, data)) {
    throw new TrainerStateError('this dataset is not resident on this engine: it was disposed, or uploaded with another Gpu (device); upload it with this one');
  }
}

export class Trainer {
  readonly options: TrainerOptions;
  readonly model: ModelState;
  readonly parameterCount: number;
  private readonly submitter: StepSubmitter;
  private readonly plans: TrainerPlans;
  private readonly evaluator: Evaluator;
  /** Every buffer this trainer allocated, freed by dispose(). */
  private readonly owned = new Set<GPUBuffer>();
  private readonly trainMetrics: Tensor;
  private readonly evalMetrics: Tensor;
  private readonly splits: Splits;
  private readonly sources: Sources;
  private readonly listeners = new Listeners<TrainerEvents>();
  private readonly history: EpochMetrics[] = [];
  private position: Position = { epoch: 0, stepInEpoch: 0, globalStep: 0 };
  private epochSeconds = 0;
  private readonly highLoss = new HighLossWatch(CLASSES);
  private stopRequested = false;
  private running = false;
  private disposed = false;

  constructor(private readonly gpu: Gpu, readonly data: ResidentDataset, input: TrainerOptionsInput) {
    assertResident(gpu, data);
    const before = new Set(gpu.trackedBuffers);
    this.options = resolveOptions(input);
    const o = this.options;
    this.splits = splitsFor(data, o);
    this.model = new ModelState(gpu, o.variant, o.seed);
    this.parameterCount = parameterCount(o.variant.batchNorm);
    const workspace = new Workspace(gpu, Math.max(o.batchSize, o.evalBatchSize));
    this.submitter = new StepSubmitter(gpu, o.stepsPerSubmit, { own: (allocate) => this.own(allocate), assertUsable: () => this.assertUsable() });
    this.trainMetrics = gpu.tensor('metrics.train', [METRICS.length]);
    this.evalMetrics = gpu.tensor('metrics.eval', [METRICS.length]);
    const step = this.submitter.stepUniform;
    const planner = new StepPlanner(gpu, this.model, workspace, new Workspace(gpu, o.batchSize), step, o.normalization);
    this.sources = uploadSources(gpu, data, this.splits);
    this.plans = new TrainerPlans(planner, {
      train: this.sources.train, trainMetrics: this.trainMetrics, evalMetrics: this.evalMetrics,
      optimizerStep: optimizerStep(gpu, o, this.model, step), quirks: o.quirks, own: (plan) => this.own(plan),
    });
    this.evaluator = new Evaluator(gpu, o, {
      plans: this.plans, submitter: this.submitter, workspace, evalMetrics: this.evalMetrics,
      validationIndices: this.splits.validation, own: (allocate) => this.own(allocate),
      report: (p) => this.listeners.emit('evaluation', p),
    });
    // Ops allocate their uniforms lazily; planning every step shape now makes them owned too.
    this.planAll();
    for (const b of gpu.trackedBuffers) if (!before.has(b)) this.owned.add(b);
  }

  /** Run synchronous planning code and take ownership of whatever it allocated. */
  private own<T>(plan: () => T): T {
    const before = new Set(this.gpu.trackedBuffers);
    const result = plan();
    for (const b of this.gpu.trackedBuffers) if (!before.has(b)) this.owned.add(b);
    return result;
  }

  /** Build every plan the trainer will use, so nothing is compiled or allocated mid-training. */
  private planAll(): void {
    const o = this.options;
    const trainSize = this.splits.train.length;
    const batches = new Set([Math.min(o.batchSize, trainSize)]);
    const remainder = trainSize % o.batchSize;
    if (remainder && !o.dropLast) batches.add(remainder);
    for (const b of batches) this.plans.train(b);
    const evalSize = o.quirks ? o.batchSize : o.evalBatchSize;
    for (const [source, count] of [[this.sources.validation, this.splits.validation.length], [this.sources.test, this.splits.testCount]] as const) {
      if (!source) continue;
      for (const b of new Set([Math.min(evalSize, count), count % evalSize || evalSize])) this.plans.evaluate(source, b);
    }
  }

  on<K extends keyof TrainerEvents>(event: K, listener: TrainerEvents[K]): () => void {
    return this.listeners.on(event, listener);
  }

  get stepsPerEpoch(): number {
    const n = this.splits.train.length;
    return this.options.dropLast ? Math.floor(n / this.options.batchSize) : Math.ceil(n / this.options.batchSize);
  }

  get trainSize(): number {
    return this.splits.train.length;
  }

  get epochs(): readonly EpochMetrics[] {
    return this.history;
  }

  get globalStep(): number {
    return this.position.globalStep;
  }

  /** Ask a running train() to stop after the submit in flight; train() again resumes here. */
  stop(): void {
    if (this.running) this.stopRequested = true;
  }

  /**
   * Train until `epochs` epochs are complete in total, or for `steps` more steps (whichever is
   * given; with both, whichever comes first). Each finished epoch is evaluated and reported.
   */
  async train(budget: { epochs?: number; steps?: number }): Promise<TrainResult> {
    this.assertUsable();
    if (this.running) throw new TrainerStateError('train() is already running on this trainer');
    if (budget.epochs === undefined && budget.steps === undefined) throw new RangeError('train() needs epochs or steps');
    for (const [k, v] of Object.entries(budget)) {
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new RangeError(`${k} must be a non-negative integer, got ${v}`);
    }
    this.running = true;
    this.stopRequested = false;
    const first = this.history.length;
    let stepsLeft = budget.steps ?? Infinity;
    let stepsDone = 0;
    try {
      while (stepsLeft > 0 && !this.stopRequested && (budget.epochs === undefined || this.position.epoch < budget.epochs)) {
        const done = await this.runSteps(Math.min(stepsLeft, this.stepsPerEpoch - this.position.stepInEpoch));
        stepsLeft -= done;
        stepsDone += done;
        if (this.position.stepInEpoch === this.stepsPerEpoch) await this.finishEpoch();
      }
    } finally {
      this.running = false;
    }
    return { epochs: this.history.slice(first), steps: stepsDone, stopped: this.stopRequested };
  }

  /** Run up to `count` steps of the current epoch, pipelining submits and metric readbacks. */
  private async runSteps(count: number): Promise<number> {
    const o = this.options;
    const epoch = this.position.epoch;
    if (this.position.stepInEpoch === 0) {
      this.gpu.write(this.sources.train.order, epochOrder(this.splits.train, this.options.seed, epoch));
      this.gpu.device.queue.writeBuffer(this.trainMetrics.buffer, 0, new Float32Array(METRICS.length));
      this.epochSeconds = 0;
      this.highLoss.epochStarted();
    }
    const started = performance.now();
    const window = new ReadbackWindow();
    let done = 0;
    while (done < count && !this.stopRequested) {
      const chunk = Math.min(o.stepsPerSubmit, count - done);
      const steps: ScheduledStep[] = [];
      for (let i = 0; i < chunk; i++) {
        const stepInEpoch = this.position.stepInEpoch + i;
        const batchStart = stepInEpoch * o.batchSize;
        const batch = Math.min(o.batchSize, this.splits.train.length - batchStart);
        steps.push({
          values: { step: this.position.globalStep + i + 1, seed: o.seed, lr: o.optimizer.lr, batch_start: batchStart },
          dispatches: this.plans.train(batch),
        });
      }
      const readback = this.submitter.submit(steps, this.trainMetrics);
      this.position = {
        epoch,
        stepInEpoch: this.position.stepInEpoch + chunk,
        globalStep: this.position.globalStep + chunk,
      };
      done += chunk;
      if (o.variant.batchNorm) this.model.batchesTracked += chunk;
      const at = { ...this.position };
      await window.push(readback.then((m) => this.reportProgress(m, at, started)));
    }
    await window.drain();
    this.epochSeconds += (performance.now() - started) / 1000;
    return done;
  }

  private reportProgress(metrics: Float32Array, at: Position, started: number): void {
    const diverged = metrics[METRICS.divergedAtStep]!;
    if (diverged !== 0) {
      const stepInEpoch = diverged - (at.globalStep - at.stepInEpoch);
      throw new DivergenceError(this.options.variant.name, at.epoch + 1, stepInEpoch);
    }
    const highLoss = this.highLoss.observe(at.stepInEpoch, metrics[METRICS.lossSum]!, metrics[METRICS.samples]!);
    if (highLoss) throw new DivergenceError(this.options.variant.name, at.epoch + 1, at.stepInEpoch, highLoss);
    const { samples, loss, accuracy } = evaluationOf(metrics);
    const seconds = this.epochSeconds + (performance.now() - started) / 1000;
    this.listeners.emit('progress', {
      variant: this.options.variant.name,
      epoch: at.epoch + 1,
      step: at.stepInEpoch,
      stepsPerEpoch: this.stepsPerEpoch,
      globalStep: at.globalStep,
      samples,
      trainLoss: loss,
      trainAccuracy: accuracy,
      samplesPerSecond: samples / seconds,
    });
  }

  private async finishEpoch(): Promise<void> {
    const trained = await this.gpu.read(this.trainMetrics) as Float32Array;
    const validation = this.sources.validation ? await this.evaluator.evaluate(this.sources.validation, this.splits.validation.length, this.position.epoch) : null;
    const test = await this.evaluator.evaluate(this.sources.test, this.splits.testCount, this.position.epoch);
    const train = evaluationOf(trained);
    const metrics: EpochMetrics = {
      variant: this.options.variant.name,
      epoch: this.position.epoch + 1,
      steps: this.position.globalStep,
      trainLoss: train.loss,
      trainAccuracy: train.accuracy,
      validationLoss: validation?.loss ?? null,
      validationAccuracy: validation?.accuracy ?? null,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      trainSeconds: this.epochSeconds,
      samplesPerSecond: train.samples / this.epochSeconds,
    };
    this.history.push(metrics);
    this.position = { epoch: this.position.epoch + 1, stepInEpoch: 0, globalStep: this.position.globalStep };
    this.listeners.emit('epoch', metrics);
  }

  /** Loss and accuracy on the validation or test set (eval mode unless the quirks option is on). */
  async evaluate(split: 'validation' | 'test'): Promise<Evaluation> {
    this.assertUsable();
    if (split === 'validation') {
      if (!this.sources.validation) throw new RangeError('there is no validation set (validation size 0)');
      return this.evaluator.evaluate(this.sources.validation, this.splits.validation.length, this.position.epoch);
    }
    return this.evaluator.evaluate(this.sources.test, this.splits.testCount, this.position.epoch);
  }

  /** Predicted classes of the first `count` test images (eval mode), e.g. for a confusion matrix. */
  async predictTest(count = this.splits.testCount): Promise<Uint32Array> {
    this.assertUsable();
    if (!Number.isInteger(count) || count < 1 || count > this.splits.testCount) {
      throw new RangeError(`predictTest: count must be an integer in [1, ${this.splits.testCount}], got ${count}`);
    }
    return this.evaluator.predict(this.sources.test, count);
  }

  /**
   * Predicted classes (eval mode) of any 28×28 images: `images` holds count·784 pixels, 0–255,
   * row-major, as in IDX files. They are normalised like the training data.
   */
  async predict(images: Uint8Array): Promise<Uint32Array> {
    this.assertUsable();
    return withImages(this.gpu, 'predict', images, false, (source) => this.evaluator.predict(source, source.images));
  }

  /** The model's float32 tensors now, by state_dict name and shape: see readModelTensors (./weights.ts). */
  async parameters(): Promise<ModelTensor[]> {
    this.assertUsable();
    return readModelTensors(this.model);
  }

  /** Each layer's output for one 28×28 image (784 pixels, 0–255) in eval mode, on the GPU: see ./activations.ts. */
  async activations(pixels: Uint8Array): Promise<LayerActivation[]> {
    this.assertUsable();
    return readActivations(this.gpu, { plans: this.plans, submitter: this.submitter, metrics: this.evalMetrics }, pixels);
  }

  /** The model's weights as .safetensors, with PyTorch's state_dict names and layouts. */
  async exportWeights(metadata: Record<string, string> = {}): Promise<Uint8Array> {
    this.assertUsable();
    return await encodeWeights(this.model, metadata);
  }

  /** Load weights exported by exportWeights() (or by PyTorch with the same names); all or nothing. */
  importWeights(bytes: Uint8Array, fileName = 'weights.safetensors'): void {
    this.assertUsable();
    writeWeights(this.model, decodeWeights(this.model, bytes, fileName));
  }

  private get checkpointTarget(): CheckpointTarget {
    return {
      gpu: this.gpu, model: this.model, trainMetrics: this.trainMetrics, options: this.options,
      trainSize: this.splits.train.length, testCount: this.splits.testCount, stepsPerEpoch: this.stepsPerEpoch,
    };
  }

  /** Everything needed to continue this run exactly (see ./checkpoint.ts). */
  async saveCheckpoint(): Promise<Uint8Array> {
    this.assertUsable();
    if (this.running) throw new TrainerStateError('saveCheckpoint() while train() is running; call it between train() calls or from an epoch event after awaiting train()');
    const run = { position: this.position, history: this.history, batchesTracked: this.model.batchesTracked, epochSeconds: this.epochSeconds };
    return encodeCheckpoint(this.checkpointTarget, run);
  }

  /** Continue from saveCheckpoint()'s bytes; the trainer must have been built with the same options. All or nothing. */
  loadCheckpoint(bytes: Uint8Array, fileName = 'checkpoint.safetensors'): void {
    this.assertUsable();
    if (this.running) throw new TrainerStateError('loadCheckpoint() while train() is running');
    const { writes, run } = decodeCheckpoint(this.checkpointTarget, bytes, fileName);
    for (const [target, values] of writes) this.gpu.write(target, values);
    this.model.batchesTracked = run.batchesTracked;
    this.position = run.position;
    this.history.splice(0, this.history.length, ...run.history);
    this.epochSeconds = run.epochSeconds;
    this.highLoss.forget();
    if (this.position.stepInEpoch > 0) {
      // Mid-epoch: the epoch's shuffled order is needed again (train() writes it only at step 0).
      this.gpu.write(this.sources.train.order, epochOrder(this.splits.train, this.options.seed, this.position.epoch));
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new TrainerStateError('this trainer was disposed; create a new one');
    this.gpu.assertUsable();
    assertResident(this.gpu, this.data);
  }

  /** Free this trainer's GPU buffers (the Gpu and the shared dataset stay). */
  dispose(): void {
    for (const buffer of this.owned) this.gpu.release(buffer);
    this.disposed = true;
  }
}
