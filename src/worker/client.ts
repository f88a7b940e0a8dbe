/**
 * TrainingWorker: a Trainer that runs in a Web Worker, so the page stays responsive while the GPU
 * trains. It offers the Trainer's events and promises. The worker script is the package's
 * `lenet-webgpu/worker.js` (built from ./worker.ts), loaded from beside this module by default;
 * an app whose bundler moves modules around copies it or passes its URL as `worker`.
 * One worker can hold several trainers (addTrainer) on one device and one resident dataset.
 */
import { releaseProxy, transfer, wrap, type Remote } from 'comlink';
import type { AdapterDescription } from '../gpu/device.ts';
import type { DeviceLostInfo } from '../gpu/gpu.ts';
import type { TrainerOptions, TrainerOptionsInput } from '../train/options.ts';
import type { Evaluation, LayerActivation, ModelTensor, TrainResult, TrainerEvents } from '../train/types.ts';
import type { DatasetSource, TrainerEvent, TrainerEventMessage, WorkerReady, WorkerSetup } from './protocol.ts';
import type { WorkerTrainer } from './worker.ts';
import { Listeners } from '../train/events.ts';

export interface TrainingWorkerOptions extends WorkerSetup {
  /** The worker script's URL, or a Worker already running it. Default: worker.js beside this module. */
  worker?: Worker | URL | string;
  /**
   * Move an in-memory dataset's pixel and label buffers to the worker instead of copying them
   * (no copy of tens of MB on this thread; the arrays here are detached, so pass a copy you no
   * longer need). Default false.
   */
  transferDataset?: boolean;
}

/** One worker and what its trainers share: the Comlink remote, its failure, events and device loss. */
class Connection {
  readonly failed: Promise<never>;
  readonly listeners = new Map<number, Listeners<TrainerEvents>>();
  readonly lostListeners = new Set<(info: DeviceLostInfo) => void>();
  lost: DeviceLostInfo | null = null;
  ended = false;

  constructor(readonly worker: Worker, readonly remote: Remote<WorkerTrainer>, scriptUrl: string | null) {
    // Comlink never settles calls to a worker that died (script 404, syntax error): fail them here.
    this.failed = new Promise<never>((_, reject) => {
      const where = scriptUrl === null ? 'the Worker passed as `worker`' : `its script ${scriptUrl}`;
      const fix = scriptUrl === null ? '' : "; copy lenet-webgpu's worker.js (node_modules/lenet-webgpu/dist/lib/worker/worker.js) to that URL, beside your bundle, or pass `worker: url` naming where you serve it";
      const fail = (event: Event) => reject(new Error(
        `the training worker failed (${where}): ${(event as ErrorEvent).message || 'it could not be loaded or a message could not be read'}${fix}`));
      worker.addEventListener('error', fail);
      worker.addEventListener('messageerror', fail);
    });
    this.failed.catch(() => {}); // Reported through the call that is waiting, if any.
    // Events share the port of Comlink's replies (which ignores them): each arrives before the reply after it.
    worker.addEventListener('message', (message: MessageEvent) => {
      const event = (message.data as Partial<TrainerEventMessage> | null)?.lenetTrainerEvent;
      if (event) this.emit(event);
    });
  }

  emit(event: TrainerEvent): void {
    if (event.type === 'lost') {
      this.lost = event.value;
      for (const listener of this.lostListeners) listener(event.value);
      return;
    }
    const trainer = this.listeners.get(event.trainer);
    if (event.type === 'progress') trainer?.emit('progress', event.value);
    else if (event.type === 'epoch') trainer?.emit('epoch', event.value);
    else trainer?.emit('evaluation', event.value);
  }

  end(): void {
    this.ended = true;
    this.remote[releaseProxy]();
    this.worker.terminate();
  }
}

export class TrainingWorker {
  private disposed = false;
  // Filled from the worker's answer, before create() or addTrainer() hands the instance out.
  readonly adapter!: AdapterDescription;
  readonly features!: readonly string[];
  readonly options!: TrainerOptions;
  readonly parameterCount!: number;
  readonly stepsPerEpoch!: number;
  readonly trainSize!: number;
  /** Which of its worker's trainers this is. */
  readonly trainer!: number;

  private constructor(private readonly connection: Connection, ready: WorkerReady) {
    Object.assign(this, ready);
    connection.listeners.set(ready.trainer, new Listeners<TrainerEvents>());
  }

  /** Start a worker, load the dataset there and build its engine and trainer. */
  static async create(options: TrainingWorkerOptions): Promise<TrainingWorker> {
    const { worker: script, transferDataset = false, ...setup } = options;
    // `new URL('./worker.js', import.meta.url)` written out, so bundlers that know the pattern (Vite) ship the worker too.
    const scriptUrl = script instanceof Worker ? null : script !== undefined ? String(script) : new URL('./worker.js', import.meta.url).href;
    const worker = script instanceof Worker ? script : script !== undefined
      ? new Worker(script, { type: 'module' })
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const connection = new Connection(worker, wrap<WorkerTrainer>(worker), scriptUrl);
    try {
      const request = { ...setup, dataset: absolute(setup.dataset) };
      const buffers = transferDataset && !('url' in request.dataset)
        ? [request.dataset.train, request.dataset.test].flatMap((s) => [s.images.buffer, s.labels.buffer]) : [];
      const ready = await Promise.race([connection.remote.setup(transfer(request, buffers)), connection.failed]);
      return new TrainingWorker(connection, ready);
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  /**
   * Another trainer in this worker, on the same device and resident dataset (nothing is copied
   * again): several variants train in one worker, taking turns on its GPU.
   */
  async addTrainer(options: TrainerOptionsInput): Promise<TrainingWorker> {
    return new TrainingWorker(this.connection, await this.call((r) => r.addTrainer(options)));
  }

  /**
   * Create the pipelines of every trainer in this worker (createComputePipelineAsync, in
   * parallel); resolves with how many. Call it before the first train() so the first steps do
   * not wait for shader compilation, and their speed is the training's.
   */
  compile(): Promise<number> {
    return this.call((r) => r.compile());
  }

  on<K extends keyof TrainerEvents>(event: K, listener: TrainerEvents[K]): () => void {
    return this.connection.listeners.get(this.trainer)!.on(event, listener);
  }

  /** Called once if the worker's device is lost (as Gpu.onLost); returns an unsubscribe function. */
  onLost(listener: (info: DeviceLostInfo) => void): () => void {
    if (this.connection.lost) listener(this.connection.lost);
    else this.connection.lostListeners.add(listener);
    return () => this.connection.lostListeners.delete(listener);
  }

  /** Settle with the worker's answer, or fail if the worker dies or this trainer was disposed. */
  private call<T>(request: (remote: Remote<WorkerTrainer>) => Promise<T>): Promise<T> {
    if (this.disposed || this.connection.ended) return Promise.reject(new Error('this training worker was disposed; create a new one'));
    return Promise.race([request(this.connection.remote), this.connection.failed]);
  }

  /** Same as Trainer.train: until `epochs` epochs in total, or `steps` more steps. */
  train(budget: { epochs?: number; steps?: number }): Promise<TrainResult> {
    return this.call((r) => r.train(this.trainer, budget));
  }

  /** Ask a running train() to stop after the submit in flight; train() again resumes. */
  stop(): void {
    if (!this.disposed && !this.connection.ended) void this.connection.remote.stop(this.trainer);
  }

  evaluate(split: 'validation' | 'test'): Promise<Evaluation> {
    return this.call((r) => r.evaluate(this.trainer, split));
  }

  predictTest(count?: number): Promise<Uint32Array> {
    return this.call((r) => r.predictTest(this.trainer, count));
  }

  /** Predicted classes of any 28×28 images (count·784 pixels, 0–255), as Trainer.predict. */
  predict(images: Uint8Array): Promise<Uint32Array> {
    return this.call((r) => r.predict(this.trainer, images));
  }

  /** The model's float32 tensors by state_dict name and shape, as Trainer.parameters. */
  parameters(): Promise<ModelTensor[]> {
    return this.call((r) => r.parameters(this.trainer));
  }

  /** Each layer's output for one 28×28 image (784 pixels, 0–255) in eval mode, as Trainer.activations. */
  activations(pixels: Uint8Array): Promise<LayerActivation[]> {
    return this.call((r) => r.activations(this.trainer, pixels));
  }

  /** The weights as .safetensors bytes (PyTorch names and layouts). */
  exportWeights(metadata?: Record<string, string>): Promise<Uint8Array> {
    return this.call((r) => r.exportWeights(this.trainer, metadata));
  }

  importWeights(bytes: Uint8Array, fileName?: string): Promise<void> {
    return this.call((r) => r.importWeights(this.trainer, bytes, fileName));
  }

  saveCheckpoint(): Promise<Uint8Array> {
    return this.call((r) => r.saveCheckpoint(this.trainer));
  }

  loadCheckpoint(bytes: Uint8Array, fileName?: string): Promise<void> {
    return this.call((r) => r.loadCheckpoint(this.trainer, bytes, fileName));
  }

  /**
   * Free this trainer's GPU buffers. The last trainer of a worker to go also frees the worker's
   * device and ends the worker.
   */
  async dispose(): Promise<void> {
    if (this.disposed || this.connection.ended) return;
    this.disposed = true;
    this.connection.listeners.delete(this.trainer);
    const last = this.connection.listeners.size === 0;
    try {
      await Promise.race([last ? this.connection.remote.dispose() : this.connection.remote.removeTrainer(this.trainer), this.connection.failed]);
    } catch {
      // The worker died or failed to free: terminating it below releases whatever it still held.
    } finally {
      if (last) this.connection.end();
    }
  }
}

/** The worker resolves relative URLs against its own script, so make the page's URL absolute first. */
function absolute(source: DatasetSource): DatasetSource {
  return 'url' in source ? { name: source.name, url: new URL(source.url, globalThis.location?.href).href } : source;
}
