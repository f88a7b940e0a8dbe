/**
 * The trainer: epochs, shuffles, evaluation and metrics around the step planner. Steps are
 * recorded `stepsPerSubmit` to a command buffer; each step's values (step number, seed, lr, batch
 * start) are copied into the step uniform from a schedule buffer inside the command buffer, so
 * nothing waits on the CPU. Loss and correct counts accumulate on the GPU and are read back
 * asynchronously after each submit, at most two submits behind.
 */
import type { Dataset } from '../data/dataset.ts';
import { splitTrainValidation } from '../data/dataset.ts';
import { checkImages, uploadImages, type ResidentImages } from '../data/resident.ts';
import { encodeDispatches, type Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import { INPUT_SIZE, parameterCount } from '../model/lenet.ts';
import { Adam, METRICS, Sgd } from '../ops/index.ts';
import { packStep, STEP_BYTES, type StepValues } from '../ops/step.ts';
import { pcgHash, SeededRandom } from '../random.ts';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type NamedTensor } from '../io/safetensors.ts';
import { resolveOptions, type TrainerOptions, type TrainerOptionsInput } from './options.ts';
import { StepPlanner, type DataSource } from './plan.ts';
import { epochOrder } from './shuffle.ts';
import { ModelState } from './state.ts';
import { decodeWeightsInto, encodeWeights } from './weights.ts';
import { Workspace } from './workspace.ts';

export class DivergenceError extends Error {
  override name = 'DivergenceError';
  constructor(readonly variant: string, readonly epoch: number, readonly step: number) {
    super(`${variant}: loss became NaN/Inf at epoch ${epoch}, step ${step}; training of this variant stopped (try a lower learning rate)`);
  }
}

export interface Progress {
  variant: string;
  epoch: number;
  /** Steps done in this epoch, and the epoch's total. */
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  /** Training samples seen in this epoch. */
  samples: number;
  /** Running mean loss and accuracy over this epoch's training batches so far. */
  trainLoss: number;
  trainAccuracy: number;
  samplesPerSecond: number;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  samples: number;
}

export interface EpochMetrics {
  variant: string;
  epoch: number;
  steps: number;
  trainLoss: number;
  trainAccuracy: number;
  validationLoss: number | null;
  validationAccuracy: number | null;
  testLoss: number;
  testAccuracy: number;
  /** Training time of the epoch (evaluation excluded). */
  trainSeconds: number;
  samplesPerSecond: number;
}

export interface TrainResult {
  epochs: EpochMetrics[];
  steps: number;
  stopped: boolean;
}

export interface TrainerEvents {
  progress: (p: Progress) => void;
  epoch: (m: EpochMetrics) => void;
}

/** A shared, resident copy of a dataset: several trainers (the four variants) can use one. */
export interface ResidentDataset {
  dataset: Dataset;
  train: ResidentImages;
  test: ResidentImages;
}

export function uploadDataset(gpu: Gpu, dataset: Dataset): ResidentDataset {
  // Both sets are checked before either is uploaded, so a bad dataset leaves no buffer behind.
  checkImages('train', dataset.train);
  checkImages('test', dataset.test);
  return { dataset, train: uploadImages(gpu, 'train', dataset.train), test: uploadImages(gpu, 'test', dataset.test) };
}

/** Free a dataset's GPU buffers (trainers using it can no longer train or evaluate). */
export function disposeDataset(gpu: Gpu, data: ResidentDataset): void {
  for (const images of [data.train, data.test]) {
    gpu.release(images.pixels);
    gpu.release(images.labels);
  }
}

/** A dataset is usable by an engine while that engine tracks its buffers: not disposed, not another device's. */
function assertResidentOn(gpu: Gpu, data: ResidentDataset): void {
  if (!gpu.trackedBuffers.has(data.train.pixels.buffer)) {
    throw new Error('this dataset is not resident on this engine: it was disposed, or uploaded with another Gpu (device); upload it with this one');
  }
}

/** One step of a command buffer: its uniform values, dispatches, and an optional copy after it. */
interface ScheduledStep {
  values: StepValues;
  dispatches: Dispatch[];
  copy?: { from: Tensor; to: Tensor; toOffset: number };
}

interface Position {
  epoch: number;
  /** Steps done in the current epoch. */
  stepInEpoch: number;
  globalStep: number;
}

export class Trainer {
  readonly options: TrainerOptions;
  readonly model: ModelState;
  readonly parameterCount: number;
  private readonly planner: StepPlanner;
  private readonly workspace: Workspace;
  /** Every buffer this trainer allocated, freed by dispose(). */
  private readonly owned = new Set<GPUBuffer>();
  /** Metrics staging buffers not currently mapped or in flight. */
  private readonly stagingRing: GPUBuffer[] = [];
  /** Recorded dispatches by plan (see trainPlan/evalPlan). */
  private readonly plans = new Map<string, Dispatch[]>();
  private readonly stepUniform: GPUBuffer;
  private readonly schedule: GPUBuffer;
  private readonly scheduleCapacity: number;
  private readonly trainMetrics: Tensor;
  private readonly evalMetrics: Tensor;
  private readonly optimizerStep: Dispatch[];
  private readonly trainIndices: Uint32Array;
  private readonly validationIndices: Uint32Array;
  private readonly testCount: number;
  private readonly sources: { train: DataSource; validation: DataSource | null; test: DataSource };
  private readonly listeners: { [K in keyof TrainerEvents]: Set<TrainerEvents[K]> } = { progress: new Set(), epoch: new Set() };
  private readonly history: EpochMetrics[] = [];
  private position: Position = { epoch: 0, stepInEpoch: 0, globalStep: 0 };
  private epochSeconds = 0;
  private stopRequested = false;
  private running = false;
  private disposed = false;

  constructor(private readonly gpu: Gpu, readonly data: ResidentDataset, input: TrainerOptionsInput) {
    assertResidentOn(gpu, data);
    const before = new Set(gpu.trackedBuffers);
    this.options = resolveOptions(input);
    const o = this.options;
    const available = o.trainLimit > 0 ? Math.min(o.trainLimit, data.train.count) : data.train.count;
    if (o.validationSize >= available) {
      throw new RangeError(`validation size ${o.validationSize} leaves no training images out of ${available}`);
    }
    const split = splitTrainValidation(available, o.validationSize, o.seed);
    this.trainIndices = split.train;
    this.validationIndices = split.validation;
    this.testCount = o.testLimit > 0 ? Math.min(o.testLimit, data.test.count) : data.test.count;
    this.checkBatchNormBatches();

    this.model = new ModelState(gpu, o.variant, o.seed);
    this.parameterCount = parameterCount(o.variant.batchNorm);
    const capacity = Math.max(o.batchSize, o.evalBatchSize);
    this.workspace = new Workspace(gpu, capacity);
    this.stepUniform = gpu.buffer('step', STEP_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.scheduleCapacity = Math.max(o.stepsPerSubmit, 64);
    this.schedule = gpu.buffer('schedule', this.scheduleCapacity * STEP_BYTES, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
    this.trainMetrics = gpu.tensor('metrics.train', [METRICS.length]);
    this.evalMetrics = gpu.tensor('metrics.eval', [METRICS.length]);
    this.planner = new StepPlanner(gpu, this.model, this.workspace, new Workspace(gpu, o.batchSize), this.stepUniform, o.normalization);

    const order = (name: string, indices: Uint32Array | number) =>
      gpu.tensor(`order.${name}`, [typeof indices === 'number' ? indices : Math.max(1, indices.length)], 'u32',
        typeof indices === 'number' ? Uint32Array.from({ length: indices }, (_, i) => i) : indices);
    const source = (name: string, images: ResidentImages, orderTensor: Tensor): DataSource =>
      ({ name, pixels: images.pixels, labels: images.labels, order: orderTensor, images: images.count });
    this.sources = {
      train: source('train', data.train, order('train', this.trainIndices)),
      validation: this.validationIndices.length ? source('validation', data.train, order('validation', this.validationIndices)) : null,
      test: source('test', data.test, order('test', this.testCount)),
    };
    this.optimizerStep = this.buildOptimizer();
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

  /**
   * The recorded dispatches of a training step or an evaluation batch, built once per batch size
   * (and source): a step at run time reuses them, with no bind group created on the hot path.
   */
  private trainPlan(batch: number): Dispatch[] {
    return this.planned(`train@${batch}`, () => [...this.planner.train(this.sources.train, batch, this.trainMetrics), ...this.optimizerStep]);
  }

  private evalPlan(source: DataSource, batch: number): Dispatch[] {
    const mode = this.options.quirks ? 'quirks' : 'eval';
    return this.planned(`${source.name}@${batch}`, () => this.planner.evaluate(source, batch, this.evalMetrics, mode));
  }

  private planned(key: string, build: () => Dispatch[]): Dispatch[] {
    let dispatches = this.plans.get(key);
    if (!dispatches) {
      dispatches = this.own(build);
      this.plans.set(key, dispatches);
    }
    return dispatches;
  }

  /** Build every plan the trainer will use, so nothing is compiled or allocated mid-training. */
  private planAll(): void {
    const o = this.options;
    const batches = new Set([Math.min(o.batchSize, this.trainIndices.length)]);
    const remainder = this.trainIndices.length % o.batchSize;
    if (remainder && !o.dropLast) batches.add(remainder);
    for (const b of batches) this.trainPlan(b);
    const evalSize = o.quirks ? o.batchSize : o.evalBatchSize;
    for (const [source, count] of [[this.sources.validation, this.validationIndices.length], [this.sources.test, this.testCount]] as const) {
      if (!source) continue;
      for (const b of new Set([Math.min(evalSize, count), count % evalSize || evalSize])) {
        this.evalPlan(source, b);
      }
    }
  }

  /** Batch norm needs two values per channel: refuse a partial last batch of one sample up front. */
  private checkBatchNormBatches(): void {
    const o = this.options;
    if (!o.variant.batchNorm) return;
    const remainder = this.trainIndices.length % o.batchSize;
    if (o.batchSize < 2 || (remainder === 1 && !o.dropLast)) {
      throw new RangeError(
        `batch norm needs at least 2 samples per training batch; ${this.trainIndices.length} training images in batches of ` +
          `${o.batchSize} leave a last batch of 1 — use dropLast or another batch size`,
      );
    }
  }

  private buildOptimizer(): Dispatch[] {
    const { optimizer: o, variant } = this.options;
    const m = this.model;
    const count = m.params.elements;
    if (o.kind === 'sgd') {
      const sgd = new Sgd(this.gpu, { count, momentum: o.momentum, nesterov: o.nesterov, weightDecay: variant.weightDecay });
      return sgd.step(m.params.flat, m.grads.flat, m.moment1.flat, this.stepUniform);
    }
    const adam = new Adam(this.gpu, {
      count, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: variant.weightDecay,
      decoupled: o.kind === 'adamw' || variant.decoupledWeightDecay,
    });
    return adam.step(m.params.flat, m.grads.flat, m.moment1.flat, m.moment2.flat, this.stepUniform);
  }

  on<K extends keyof TrainerEvents>(event: K, listener: TrainerEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  private emit<K extends keyof TrainerEvents>(event: K, value: Parameters<TrainerEvents[K]>[0]): void {
    for (const listener of this.listeners[event]) (listener as (v: typeof value) => void)(value);
  }

  get stepsPerEpoch(): number {
    const n = this.trainIndices.length;
    return this.options.dropLast ? Math.floor(n / this.options.batchSize) : Math.ceil(n / this.options.batchSize);
  }

  get trainSize(): number {
    return this.trainIndices.length;
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
    if (this.running) throw new Error('train() is already running on this trainer');
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
      this.gpu.write(this.sources.train.order, epochOrder(this.trainIndices, this.options.seed, epoch));
      this.gpu.device.queue.writeBuffer(this.trainMetrics.buffer, 0, new Float32Array(METRICS.length));
      this.epochSeconds = 0;
    }
    const started = performance.now();
    const pending: Promise<void>[] = [];
    let done = 0;
    while (done < count && !this.stopRequested) {
      const chunk = Math.min(o.stepsPerSubmit, count - done);
      const steps: ScheduledStep[] = [];
      for (let i = 0; i < chunk; i++) {
        const stepInEpoch = this.position.stepInEpoch + i;
        const batchStart = stepInEpoch * o.batchSize;
        const batch = Math.min(o.batchSize, this.trainIndices.length - batchStart);
        steps.push({
          values: { step: this.position.globalStep + i + 1, seed: o.seed, lr: o.optimizer.lr, batch_start: batchStart },
          dispatches: this.trainPlan(batch),
        });
      }
      const readback = this.submit(steps, this.trainMetrics);
      this.position = {
        epoch,
        stepInEpoch: this.position.stepInEpoch + chunk,
        globalStep: this.position.globalStep + chunk,
      };
      done += chunk;
      if (o.variant.batchNorm) this.model.batchesTracked += chunk;
      const at = { ...this.position };
      const reported = readback.then((m) => this.reportProgress(m, at, started));
      reported.catch(() => {}); // Rethrown where it is awaited; this only stops an unhandled-rejection report.
      pending.push(reported);
      // Stay at most two submits ahead of the readbacks: the GPU never idles, the queue stays short.
      if (pending.length >= 2) await pending.shift();
    }
    await Promise.all(pending);
    this.epochSeconds += (performance.now() - started) / 1000;
    return done;
  }

  private reportProgress(metrics: Float32Array, at: Position, started: number): void {
    const diverged = metrics[METRICS.divergedAtStep]!;
    if (diverged !== 0) {
      const stepInEpoch = diverged - (at.globalStep - at.stepInEpoch);
      throw new DivergenceError(this.options.variant.name, at.epoch + 1, stepInEpoch);
    }
    const samples = metrics[METRICS.samples]!;
    const seconds = this.epochSeconds + (performance.now() - started) / 1000;
    this.emit('progress', {
      variant: this.options.variant.name,
      epoch: at.epoch + 1,
      step: at.stepInEpoch,
      stepsPerEpoch: this.stepsPerEpoch,
      globalStep: at.globalStep,
      samples,
      trainLoss: metrics[METRICS.lossSum]! / samples,
      trainAccuracy: metrics[METRICS.correct]! / samples,
      samplesPerSecond: samples / seconds,
    });
  }

  /** Encode steps into one command buffer, copy `metrics` to a staging buffer and submit. */
  private submit(steps: ScheduledStep[], metrics: Tensor): Promise<Float32Array> {
    this.assertUsable();
    const device = this.gpu.device;
    const scheduleData = new ArrayBuffer(steps.length * STEP_BYTES);
    steps.forEach((s, i) => packStep(s.values, scheduleData, i * STEP_BYTES));
    device.queue.writeBuffer(this.schedule, 0, scheduleData);
    const encoder = device.createCommandEncoder({ label: 'steps' });
    steps.forEach((s, i) => {
      encoder.copyBufferToBuffer(this.schedule, i * STEP_BYTES, this.stepUniform, 0, STEP_BYTES);
      const pass = encoder.beginComputePass({ label: `step ${s.values.step}` });
      encodeDispatches(pass, s.dispatches);
      pass.end();
      if (s.copy) encoder.copyBufferToBuffer(s.copy.from.buffer, s.copy.from.byteOffset, s.copy.to.buffer, s.copy.to.byteOffset + s.copy.toOffset, s.copy.from.bytes);
    });
    // A small ring of staging buffers, reused once read: no allocation per submit.
    const staging = this.stagingRing.pop()
      ?? this.own(() => this.gpu.buffer('metrics.readback', METRICS.length * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST));
    encoder.copyBufferToBuffer(metrics.buffer, metrics.byteOffset, staging, 0, METRICS.length * 4);
    device.queue.submit([encoder.finish()]);
    return staging.mapAsync(GPUMapMode.READ).then(() => {
      const values = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      this.stagingRing.push(staging);
      return values;
    }, (error) => {
      this.assertUsable();
      return this.gpu.explainFailure(error);
    });
  }

  private async finishEpoch(): Promise<void> {
    const trained = await this.gpu.read(this.trainMetrics) as Float32Array;
    const validation = this.sources.validation ? await this.evaluateSource(this.sources.validation, this.validationIndices.length) : null;
    const test = await this.evaluateSource(this.sources.test, this.testCount);
    const samples = trained[METRICS.samples]!;
    const metrics: EpochMetrics = {
      variant: this.options.variant.name,
      epoch: this.position.epoch + 1,
      steps: this.position.globalStep,
      trainLoss: trained[METRICS.lossSum]! / samples,
      trainAccuracy: trained[METRICS.correct]! / samples,
      validationLoss: validation?.loss ?? null,
      validationAccuracy: validation?.accuracy ?? null,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      trainSeconds: this.epochSeconds,
      samplesPerSecond: samples / this.epochSeconds,
    };
    this.history.push(metrics);
    this.position = { epoch: this.position.epoch + 1, stepInEpoch: 0, globalStep: this.position.globalStep };
    this.emit('epoch', metrics);
  }

  /** Loss and accuracy on the validation or test set (eval mode unless the quirks option is on). */
  async evaluate(split: 'validation' | 'test'): Promise<Evaluation> {
    this.assertUsable();
    if (split === 'validation') {
      if (!this.sources.validation) throw new RangeError('there is no validation set (validation size 0)');
      return this.evaluateSource(this.sources.validation, this.validationIndices.length);
    }
    return this.evaluateSource(this.sources.test, this.testCount);
  }

  private async evaluateSource(source: DataSource, count: number): Promise<Evaluation> {
    const o = this.options;
    // The original evaluated shuffled batches of the training batch size with batch statistics.
    const batchSize = o.quirks ? o.batchSize : o.evalBatchSize;
    if (o.quirks) {
      const order = Uint32Array.from({ length: count }, (_, i) => (source.name === 'validation' ? this.validationIndices[i]! : i));
      new SeededRandom(pcgHash(o.seed + 0x51ed + this.position.epoch)).shuffle(order);
      this.gpu.write(source.order, order);
    }
    this.gpu.device.queue.writeBuffer(this.evalMetrics.buffer, 0, new Float32Array(METRICS.length));
    const batches = Math.ceil(count / batchSize);
    let last: Promise<Float32Array> | null = null;
    for (let start = 0; start < batches; start += this.scheduleCapacity) {
      const steps: ScheduledStep[] = [];
      for (let i = start; i < Math.min(batches, start + this.scheduleCapacity); i++) {
        const batch = Math.min(batchSize, count - i * batchSize);
        // Dropout in quirks mode draws from a counter range training never uses.
        const values = { step: 0x80000000 + i, seed: o.seed + this.position.epoch, lr: 0, batch_start: i * batchSize };
        steps.push({ values, dispatches: this.evalPlan(source, batch) });
      }
      last = this.submit(steps, this.evalMetrics);
    }
    if (o.quirks && source.name === 'validation') this.gpu.write(source.order, this.validationIndices);
    if (o.quirks && source.name === 'test') this.gpu.write(source.order, Uint32Array.from({ length: count }, (_, i) => i));
    const metrics = await last!;
    const samples = metrics[METRICS.samples]!;
    return { loss: metrics[METRICS.lossSum]! / samples, accuracy: metrics[METRICS.correct]! / samples, samples };
  }

  /** Predicted classes of the first `count` test images (eval mode), e.g. for a confusion matrix. */
  async predictTest(count = this.testCount): Promise<Uint32Array> {
    this.assertUsable();
    if (!Number.isInteger(count) || count < 1 || count > this.testCount) {
      throw new RangeError(`predictTest: count must be an integer in [1, ${this.testCount}], got ${count}`);
    }
    return this.predictSource(this.sources.test, count);
  }

  /**
   * Predicted classes (eval mode) of any 28×28 images: `images` holds count·784 pixels, 0–255,
   * row-major, as in IDX files. They are normalised like the training data.
   */
  async predict(images: Uint8Array): Promise<Uint32Array> {
    this.assertUsable();
    const perImage = INPUT_SIZE * INPUT_SIZE;
    if (!(images instanceof Uint8Array) || images.length === 0 || images.length % perImage !== 0) {
      throw new RangeError(`predict: expected a Uint8Array of count·${perImage} pixels (28×28 images), got ${images?.length ?? 'none'} values`);
    }
    const count = images.length / perImage;
    const uploaded = uploadImages(this.gpu, 'predict', { count, rows: INPUT_SIZE, cols: INPUT_SIZE, images, labels: new Uint8Array(count) });
    const order = this.gpu.tensor('predict.order', [count], 'u32', Uint32Array.from({ length: count }, (_, i) => i));
    try {
      return await this.predictSource({ name: `predict×${count}`, pixels: uploaded.pixels, labels: uploaded.labels, order, images: count }, count);
    } finally {
      for (const t of [uploaded.pixels, uploaded.labels, order]) this.gpu.release(t);
    }
  }

  private async predictSource(source: DataSource, count: number): Promise<Uint32Array> {
    const result = this.gpu.tensor('predictions', [count], 'u32');
    try {
      const batchSize = this.options.evalBatchSize;
      const steps: ScheduledStep[] = [];
      for (let start = 0; start < count; start += batchSize) {
        const batch = Math.min(batchSize, count - start);
        const out = this.own(() => this.workspace.get('predictions', batch, [], 'u32'));
        steps.push({
          values: { step: 0, seed: 0, lr: 0, batch_start: start },
          dispatches: this.own(() => this.planner.predict(source, batch, out)),
          copy: { from: out, to: result, toOffset: start * 4 },
        });
      }
      for (let i = 0; i < steps.length; i += this.scheduleCapacity) {
        await this.submit(steps.slice(i, i + this.scheduleCapacity), this.evalMetrics);
      }
      return await this.gpu.read(result) as Uint32Array;
    } finally {
      this.gpu.release(result);
    }
  }

  /** The model's weights as .safetensors, with PyTorch's state_dict names and layouts. */
  async exportWeights(metadata: Record<string, string> = {}): Promise<Uint8Array> {
    this.assertUsable();
    return await encodeWeights(this.model, metadata);
  }

  /** Load weights exported by exportWeights() (or by PyTorch with the same names); all or nothing. */
  importWeights(bytes: Uint8Array, fileName = 'weights.safetensors'): void {
    this.assertUsable();
    decodeWeightsInto(this.model, bytes, fileName);
  }

  /**
   * Everything needed to continue this run exactly: weights, optimizer moments, running
   * statistics, the epoch's metric accumulators, the position (epoch, step) and the history.
   * The shuffles and dropout masks are functions of (seed, epoch, step), so nothing else is needed.
   */
  async saveCheckpoint(): Promise<Uint8Array> {
    this.assertUsable();
    if (this.running) throw new Error('saveCheckpoint() while train() is running; call it between train() calls or from an epoch event after awaiting train()');
    const read = async (t: Tensor) => await this.gpu.read(t) as Float32Array;
    const m = this.model;
    const tensors: NamedTensor[] = [
      { name: 'params', dtype: 'F32', shape: [m.params.elements], data: await read(m.params.flat) },
      { name: 'moment1', dtype: 'F32', shape: [m.moment1.elements], data: await read(m.moment1.flat) },
      { name: 'moment2', dtype: 'F32', shape: [m.moment2.elements], data: await read(m.moment2.flat) },
      { name: 'metrics.train', dtype: 'F32', shape: [METRICS.length], data: await read(this.trainMetrics) },
    ];
    for (const [name, t] of m.statistics) tensors.push({ name, dtype: 'F32', shape: [...t.shape], data: await read(t) });
    const state = {
      options: this.options, position: this.position, history: this.history, batchesTracked: m.batchesTracked,
      epochSeconds: this.epochSeconds, trainSize: this.trainIndices.length, testCount: this.testCount,
    };
    return encodeSafetensors(tensors, { checkpoint: JSON.stringify(state) });
  }

  /** Continue from saveCheckpoint()'s bytes; the trainer must have been built with the same options. */
  loadCheckpoint(bytes: Uint8Array, fileName = 'checkpoint.safetensors'): void {
    this.assertUsable();
    if (this.running) throw new Error('loadCheckpoint() while train() is running');
    const { tensors, metadata } = decodeSafetensors(bytes, fileName);
    if (!metadata.checkpoint) throw new SafetensorsError(`${fileName}: not a trainer checkpoint (no checkpoint metadata)`);
    const state = JSON.parse(metadata.checkpoint) as {
      options: TrainerOptions; position: Position; history: EpochMetrics[]; batchesTracked: number; epochSeconds: number; trainSize: number; testCount: number;
    };
    const mine = JSON.stringify({ ...this.options, stepsPerSubmit: 0 });
    const theirs = JSON.stringify({ ...state.options, stepsPerSubmit: 0 });
    if (mine !== theirs || state.trainSize !== this.trainIndices.length || state.testCount !== this.testCount) {
      throw new SafetensorsError(`${fileName}: checkpoint was made with other options or data (${theirs}, ${state.trainSize} training images) than this trainer (${mine}, ${this.trainIndices.length})`);
    }
    const m = this.model;
    const flat = (name: string, target: Tensor) => {
      const t = tensors.get(name);
      if (!t || t.data.length !== target.size) throw new SafetensorsError(`${fileName}: ${name} is missing or has the wrong size`);
      this.gpu.write(target, t.data);
    };
    flat('params', m.params.flat);
    flat('moment1', m.moment1.flat);
    flat('moment2', m.moment2.flat);
    flat('metrics.train', this.trainMetrics);
    for (const [name, t] of m.statistics) flat(name, t);
    m.batchesTracked = state.batchesTracked;
    this.position = state.position;
    this.history.splice(0, this.history.length, ...state.history);
    this.epochSeconds = state.epochSeconds;
    if (this.position.stepInEpoch > 0) {
      // Mid-epoch: the epoch's shuffled order is needed again (train() writes it only at step 0).
      this.gpu.write(this.sources.train.order, epochOrder(this.trainIndices, this.options.seed, this.position.epoch));
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('this trainer was disposed; create a new one');
    this.gpu.assertUsable();
    assertResidentOn(this.gpu, this.data);
  }

  /** Free this trainer's GPU buffers (the Gpu and the shared dataset stay). */
  dispose(): void {
    for (const buffer of this.owned) this.gpu.release(buffer);
    this.disposed = true;
  }
}
