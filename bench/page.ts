/**
 * The benchmark's page: both engines on one adapter, driven call by call (bench/measure.ts) so
 * the two sides alternate within one run — in headless Chromium (bench/run.ts) or in-process in
 * Node + Dawn (bench/node.ts).
 */
import { datasetFromUrl } from '../src/data/dataset.ts';
import { Gpu } from '../src/gpu/gpu.ts';
import { variant, type VariantName } from '../src/model/variants.ts';
import { uploadDataset, type ResidentDataset } from '../src/data/resident.ts';
import { matmulCeiling, type MatmulConfig, type MatmulResult } from './ceiling.ts';
import { installCounters, since, snapshot } from './counters.ts';
import { epochs, OursRun, type EpochReport, type MemoryReport, type OursConfig, type Timed } from './ours.ts';
import { profileStep, type KernelTiming } from './profile.ts';
import { TfjsTrainer, tfjsDevice, uploadImages, useWebGpu, type TfjsData, type TfjsInfo } from './tfjs.ts';

export interface PageInfo {
  adapter: Gpu['adapter'];
  features: readonly string[];
  limits: Record<string, number>;
  userAgent: string;
  tfjs: TfjsInfo;
}

export interface DataRequest {
  url: string;
  /** Training images TF.js keeps resident (normalized f32, 3 KiB each). */
  tfjsImages: number;
  tfjsTestImages: number;
}

interface State {
  gpu: Gpu;
  data: ResidentDataset;
  tfjsTrain: TfjsData;
  tfjsTest: TfjsData;
}

installCounters();
/** Validation errors make WebGPU drop whole command buffers: any one voids the timings. */
const gpuErrors = { ours: [] as string[], tfjs: [] as string[] };
let state: State | null = null;
let ours: OursRun | null = null;
let peer: TfjsTrainer | null = null;

function loaded(): State {
  if (!state) throw new Error('load() the dataset first');
  return state;
}

async function load(request: DataRequest): Promise<PageInfo> {
  const gpu = await Gpu.create();
  const tfjs = await useWebGpu();
  gpu.device.addEventListener('uncapturederror', (e) => gpuErrors.ours.push((e as GPUUncapturedErrorEvent).error.message));
  tfjsDevice().addEventListener('uncapturederror', (e) => gpuErrors.tfjs.push((e as GPUUncapturedErrorEvent).error.message));
  const dataset = await datasetFromUrl('fashion-mnist', request.url);
  state = {
    gpu, data: uploadDataset(gpu, dataset),
    tfjsTrain: uploadImages(dataset.train, request.tfjsImages),
    tfjsTest: uploadImages(dataset.test, request.tfjsTestImages),
  };
  const limits = Object.fromEntries(
    ['maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupStorageSize', 'maxStorageBufferBindingSize', 'maxBufferSize']
      .map((k) => [k, gpu.device.limits[k as keyof GPUSupportedLimits] as number]),
  );
  return { adapter: gpu.adapter, features: gpu.features, limits, userAgent: navigator.userAgent, tfjs };
}

/** Both engines (or, withPeer false, only ours) for one (variant, batch); returns our trainer's memory. */
function open(config: OursConfig, withPeer = true): { memory: MemoryReport } {
  const s = loaded();
  close();
  ours = new OursRun(s.gpu, s.data, config);
  if (withPeer) peer = new TfjsTrainer(s.tfjsTrain, variant(config.variant), config.batch, config.seed);
  return { memory: ours.memory };
}

function close(): void {
  ours?.dispose();
  peer?.dispose();
  ours = peer = null;
}

function oursTrain(steps: number): Promise<Timed> {
  if (!ours) throw new Error('open() first');
  return ours.train(steps);
}

async function tfjsTrain(steps: number): Promise<Timed> {
  if (!peer) throw new Error('open() first');
  const counts = snapshot();
  const started = performance.now();
  await peer.train(steps);
  return { seconds: (performance.now() - started) / 1000, counts: since(counts) };
}

function oursInfer(): Promise<Timed & { samples: number }> {
  if (!ours) throw new Error('open() first');
  return ours.infer();
}

async function tfjsInfer(batch: number): Promise<Timed & { samples: number }> {
  if (!peer) throw new Error('open() first');
  const test = loaded().tfjsTest;
  const counts = snapshot();
  const started = performance.now();
  await peer.infer(test, batch);
  return { seconds: (performance.now() - started) / 1000, counts: since(counts), samples: test.count };
}

function profile(name: VariantName, batch: number, repetitions: number): Promise<KernelTiming[]> {
  const s = loaded();
  return profileStep(s.gpu, s.data, name, batch, repetitions);
}

function epoch(config: OursConfig, count: number): Promise<EpochReport> {
  const s = loaded();
  return epochs(s.gpu, s.data, config, count);
}

function ceiling(size: number, configs: MatmulConfig[], repetitions: number): Promise<MatmulResult[]> {
  return matmulCeiling(loaded().gpu.device, size, configs, repetitions);
}

function errors(): typeof gpuErrors {
  return gpuErrors;
}

export const api = { load, open, close, oursTrain, tfjsTrain, oursInfer, tfjsInfer, profile, epoch, ceiling, errors };
export type BenchApi = typeof api;
(globalThis as unknown as { bench: BenchApi }).bench = api;
