/**
 * The worker script of TrainingWorker (shipped as dist/worker.js): one engine and one resident
 * dataset living in a Web Worker, with one or more Trainers on them, driven from the page through
 * Comlink. Trainers are named by number; events go back, tagged with it, as messages of their own
 * on the worker's port (TrainerEventMessage).
 */
import { expose, transfer } from 'comlink';
import { datasetFromUrl, type Dataset } from '../data/dataset.ts';
import { Gpu } from '../gpu/gpu.ts';
import { disposeDataset, uploadDataset, type ResidentDataset } from '../data/resident.ts';
import type { TrainerOptionsInput } from '../train/options.ts';
import { Trainer } from '../train/trainer.ts';
import type { Evaluation, LayerActivation, ModelTensor, TrainResult } from '../train/types.ts';
import type { TrainerEvent, TrainerEventMessage, WorkerReady, WorkerSetup } from './protocol.ts';

/** Post an event to the page on the worker's own port (see TrainerEventMessage). */
function post(event: TrainerEvent): void {
  const message: TrainerEventMessage = { lenetTrainerEvent: event };
  (globalThis as unknown as { postMessage(message: unknown): void }).postMessage(message);
}

export class WorkerTrainer {
  private gpu: Gpu | null = null;
  private data: ResidentDataset | null = null;
  private readonly trainers = new Map<number, Trainer>();
  private nextId = 0;

  async setup(setup: WorkerSetup): Promise<WorkerReady> {
    if (this.gpu) throw new Error('this worker is already set up');
    const source = setup.dataset;
    const dataset: Dataset = 'url' in source ? await datasetFromUrl(source.name, source.url) : source;
    const gpu = await Gpu.create(setup.powerPreference ? { powerPreference: setup.powerPreference } : {});
    this.gpu = gpu;
    this.data = uploadDataset(gpu, dataset);
    gpu.onLost((value) => post({ type: 'lost', value }));
    return this.addTrainer(setup.options);
  }

  /** Another Trainer on this worker's device and resident dataset (no second copy of the data). */
  addTrainer(options: TrainerOptionsInput): WorkerReady {
    if (!this.gpu || !this.data) throw new Error('this worker has no engine: it was disposed, or setup() failed');
    const trainer = new Trainer(this.gpu, this.data, options);
    const id = this.nextId++;
    trainer.on('progress', (value) => post({ type: 'progress', trainer: id, value }));
    trainer.on('epoch', (value) => post({ type: 'epoch', trainer: id, value }));
    trainer.on('evaluation', (value) => post({ type: 'evaluation', trainer: id, value }));
    this.trainers.set(id, trainer);
    return {
      trainer: id, adapter: this.gpu.adapter, features: this.gpu.features, options: trainer.options,
      parameterCount: trainer.parameterCount, stepsPerEpoch: trainer.stepsPerEpoch, trainSize: trainer.trainSize,
    };
  }

  /** Create the pipelines of every trainer built so far, asynchronously; how many there were. */
  compile(): Promise<number> {
    if (!this.gpu) throw new Error('this worker has no engine: it was disposed, or setup() failed');
    return this.gpu.compilePipelines();
  }

  private trainer(id: number): Trainer {
    const trainer = this.trainers.get(id);
    if (!trainer) throw new Error(`this worker has no trainer ${id}: it was disposed, or setup() failed`);
    return trainer;
  }

  train(id: number, budget: { epochs?: number; steps?: number }): Promise<TrainResult> {
    return this.trainer(id).train(budget);
  }

  stop(id: number): void {
    this.trainers.get(id)?.stop();
  }

  evaluate(id: number, split: 'validation' | 'test'): Promise<Evaluation> {
    return this.trainer(id).evaluate(split);
  }

  async predictTest(id: number, count?: number): Promise<Uint32Array> {
    const classes = await this.trainer(id).predictTest(count);
    return transfer(classes, [classes.buffer]);
  }

  async predict(id: number, images: Uint8Array): Promise<Uint32Array> {
    const classes = await this.trainer(id).predict(images);
    return transfer(classes, [classes.buffer]);
  }

  async parameters(id: number): Promise<ModelTensor[]> {
    const tensors = await this.trainer(id).parameters();
    return transfer(tensors, tensors.map((t) => t.data.buffer));
  }

  async activations(id: number, pixels: Uint8Array): Promise<LayerActivation[]> {
    const layers = await this.trainer(id).activations(pixels);
    return transfer(layers, layers.map((l) => l.data.buffer));
  }

  async exportWeights(id: number, metadata?: Record<string, string>): Promise<Uint8Array> {
    const bytes = await this.trainer(id).exportWeights(metadata);
    return transfer(bytes, [bytes.buffer]);
  }

  importWeights(id: number, bytes: Uint8Array, fileName?: string): void {
    this.trainer(id).importWeights(bytes, fileName);
  }

  async saveCheckpoint(id: number): Promise<Uint8Array> {
    const bytes = await this.trainer(id).saveCheckpoint();
    return transfer(bytes, [bytes.buffer]);
  }

  loadCheckpoint(id: number, bytes: Uint8Array, fileName?: string): void {
    this.trainer(id).loadCheckpoint(bytes, fileName);
  }

  /** Free one trainer's buffers; the engine, the dataset and the other trainers stay. */
  removeTrainer(id: number): void {
    this.trainers.get(id)?.dispose();
    this.trainers.delete(id);
  }

  /** Free every buffer, then the device (this worker created it). */
  dispose(): void {
    for (const trainer of this.trainers.values()) trainer.dispose();
    this.trainers.clear();
    if (this.gpu && this.data) disposeDataset(this.gpu, this.data);
    this.gpu?.dispose();
    this.gpu?.device.destroy();
    this.data = null;
  }
}

expose(new WorkerTrainer());
