/**
 * TrainingWorker: a Trainer that runs in a Web Worker, so the page stays responsive while the GPU
 * trains. It offers the Trainer's events and promises. The worker script is the package's
 * `lenet-webgpu/worker.js` (built from ./worker.ts), loaded from beside this module by default;
 * an app whose bundler moves modules around copies it or passes its URL as `worker`.
 */
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import type { AdapterDescription } from '../gpu/device.ts';
import type { TrainerOptions } from '../train/options.ts';
import type { Evaluation, TrainResult, TrainerEvents } from '../train/types.ts';
import type { DatasetSource, TrainerEvent, WorkerSetup } from './protocol.ts';
import type { WorkerTrainer } from './worker.ts';

export interface TrainingWorkerOptions extends WorkerSetup {
  /** The worker script's URL, or a Worker already running it. Default: worker.js beside this module. */
  worker?: Worker | URL | string;
}

export class TrainingWorker {
  private readonly listeners: { [K in keyof TrainerEvents]: Set<TrainerEvents[K]> } = { progress: new Set(), epoch: new Set() };
  private readonly failed: Promise<never>;
  private disposed = false;
  // Filled from the worker's answer to setup(), before create() hands the instance out.
  readonly adapter!: AdapterDescription;
  readonly features!: readonly string[];
  readonly options!: TrainerOptions;
  readonly parameterCount!: number;
  readonly stepsPerEpoch!: number;
  readonly trainSize!: number;

  private constructor(private readonly worker: Worker, private readonly remote: Remote<WorkerTrainer>, scriptUrl: string | null) {
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
  }

  /** Start a worker, load the dataset there and build its engine and trainer. */
  static async create(options: TrainingWorkerOptions): Promise<TrainingWorker> {
    const { worker: script, ...setup } = options;
    // `new URL('./worker.js', import.meta.url)` written out, so bundlers that know the pattern (Vite) ship the worker too.
    const scriptUrl = script instanceof Worker ? null : script !== undefined ? String(script) : new URL('./worker.js', import.meta.url).href;
    const worker = script instanceof Worker ? script : script !== undefined
      ? new Worker(script, { type: 'module' })
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const client = new TrainingWorker(worker, wrap<WorkerTrainer>(worker), scriptUrl);
    try {
      const events = proxy((e: TrainerEvent) => client.emit(e));
      return Object.assign(client, await client.call((r) => r.setup({ ...setup, dataset: absolute(setup.dataset) }, events)));
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  on<K extends keyof TrainerEvents>(event: K, listener: TrainerEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  private emit(event: TrainerEvent): void {
    for (const listener of this.listeners[event.type]) (listener as (v: typeof event.value) => void)(event.value);
  }

  /** Settle with the worker's answer, or fail if the worker dies or was disposed. */
  private call<T>(request: (remote: Remote<WorkerTrainer>) => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new Error('this training worker was disposed; create a new one'));
    return Promise.race([request(this.remote), this.failed]);
  }

  /** Same as Trainer.train: until `epochs` epochs in total, or `steps` more steps. */
  train(budget: { epochs?: number; steps?: number }): Promise<TrainResult> {
    return this.call((r) => r.train(budget));
  }

  /** Ask a running train() to stop after the submit in flight; train() again resumes. */
  stop(): void {
    if (!this.disposed) void this.remote.stop();
  }

  evaluate(split: 'validation' | 'test'): Promise<Evaluation> {
    return this.call((r) => r.evaluate(split));
  }

  predictTest(count?: number): Promise<Uint32Array> {
    return this.call((r) => r.predictTest(count));
  }

  /** Predicted classes of any 28×28 images (count·784 pixels, 0–255), as Trainer.predict. */
  predict(images: Uint8Array): Promise<Uint32Array> {
    return this.call((r) => r.predict(images));
  }

  /** The weights as .safetensors bytes (PyTorch names and layouts). */
  exportWeights(metadata?: Record<string, string>): Promise<Uint8Array> {
    return this.call((r) => r.exportWeights(metadata));
  }

  importWeights(bytes: Uint8Array, fileName?: string): Promise<void> {
    return this.call((r) => r.importWeights(bytes, fileName));
  }

  saveCheckpoint(): Promise<Uint8Array> {
    return this.call((r) => r.saveCheckpoint());
  }

  loadCheckpoint(bytes: Uint8Array, fileName?: string): Promise<void> {
    return this.call((r) => r.loadCheckpoint(bytes, fileName));
  }

  /** Free the worker's GPU buffers and device, then end the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    try {
      await this.call((r) => r.dispose());
    } catch {
      // The worker died or failed to free: terminating it below releases whatever it still held.
    } finally {
      this.disposed = true;
      this.remote[releaseProxy]();
      this.worker.terminate();
    }
  }
}

/** The worker resolves relative URLs against its own script, so make the page's URL absolute first. */
function absolute(source: DatasetSource): DatasetSource {
  return 'url' in source ? { name: source.name, url: new URL(source.url, globalThis.location?.href).href } : source;
}
