/**
 * The worker script of TrainingWorker (shipped as dist/worker.js): one engine, one dataset and one
 * Trainer living in a Web Worker, driven from the page through Comlink. Events go back through a
 * callback the page passes to setup().
 */
import { expose, transfer } from 'comlink';
import { datasetFromUrl, type Dataset } from '../data/dataset.ts';
import { Gpu } from '../gpu/gpu.ts';
import { disposeDataset, uploadDataset, type ResidentDataset } from '../data/resident.ts';
import { Trainer } from '../train/trainer.ts';
import type { Evaluation, TrainResult } from '../train/types.ts';
import type { TrainerEvent, WorkerReady, WorkerSetup } from './protocol.ts';

export class WorkerTrainer {
  private gpu: Gpu | null = null;
  private data: ResidentDataset | null = null;
  private current: Trainer | null = null;

  async setup(setup: WorkerSetup, events: (event: TrainerEvent) => void): Promise<WorkerReady> {
    if (this.gpu) throw new Error('this worker is already set up');
    const source = setup.dataset;
    const dataset: Dataset = 'url' in source ? await datasetFromUrl(source.name, source.url) : source;
    this.gpu = await Gpu.create(setup.powerPreference ? { powerPreference: setup.powerPreference } : {});
    this.data = uploadDataset(this.gpu, dataset);
    const trainer = new Trainer(this.gpu, this.data, setup.options);
    trainer.on('progress', (value) => events({ type: 'progress', value }));
    trainer.on('epoch', (value) => events({ type: 'epoch', value }));
    this.current = trainer;
    return {
      adapter: this.gpu.adapter, features: this.gpu.features, options: trainer.options,
      parameterCount: trainer.parameterCount, stepsPerEpoch: trainer.stepsPerEpoch, trainSize: trainer.trainSize,
    };
  }

  private get trainer(): Trainer {
    if (!this.current) throw new Error('this worker has no trainer: it was disposed, or setup() failed');
    return this.current;
  }

  train(budget: { epochs?: number; steps?: number }): Promise<TrainResult> {
    return this.trainer.train(budget);
  }

  stop(): void {
    this.current?.stop();
  }

  evaluate(split: 'validation' | 'test'): Promise<Evaluation> {
    return this.trainer.evaluate(split);
  }

  async predictTest(count?: number): Promise<Uint32Array> {
    const classes = await this.trainer.predictTest(count);
    return transfer(classes, [classes.buffer]);
  }

  async predict(images: Uint8Array): Promise<Uint32Array> {
    const classes = await this.trainer.predict(images);
    return transfer(classes, [classes.buffer]);
  }

  async exportWeights(metadata?: Record<string, string>): Promise<Uint8Array> {
    const bytes = await this.trainer.exportWeights(metadata);
    return transfer(bytes, [bytes.buffer]);
  }

  importWeights(bytes: Uint8Array, fileName?: string): void {
    this.trainer.importWeights(bytes, fileName);
  }

  async saveCheckpoint(): Promise<Uint8Array> {
    const bytes = await this.trainer.saveCheckpoint();
    return transfer(bytes, [bytes.buffer]);
  }

  loadCheckpoint(bytes: Uint8Array, fileName?: string): void {
    this.trainer.loadCheckpoint(bytes, fileName);
  }

  /** Free every buffer, then the device (this worker created it). */
  dispose(): void {
    this.current?.dispose();
    if (this.gpu && this.data) disposeDataset(this.gpu, this.data);
    this.gpu?.dispose();
    this.gpu?.device.destroy();
    this.current = null;
    this.data = null;
  }
}

expose(new WorkerTrainer());
