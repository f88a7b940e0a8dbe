/**
 * The benchmark's page: our engine and its peers (bench/peer.ts) on one browser, driven call by
 * call (bench/measure.ts) so they alternate within one run — in headless Chromium (bench/run.ts)
 * or in-process in Node + Dawn (bench/node.ts, where the WASM peers' workers do not exist).
 */
import { datasetFromUrl } from '../src/data/dataset.ts';
import { Gpu } from '../src/gpu/gpu.ts';
import { type VariantName } from '../src/model/variants.ts';
import { uploadDataset, type ResidentDataset } from '../src/data/resident.ts';
import { matmulCeiling, type MatmulConfig, type MatmulResult } from './ceiling.ts';
import { installCounters } from './counters.ts';
import { jaxPeer } from './jax.ts';
import { epochs, OursRun, type EpochReport, type MemoryReport, type OursConfig } from './ours.ts';
import type { Engine, Peer, PeerData, PeerEngine, PeerFactory, PeerInfo, Timed } from './peer.ts';
import { profileStep, type KernelTiming } from './profile.ts';
import { tfjsWebgpuPeer } from './tfjs.ts';
import { tfjsWasmPeer } from './wasm-client.ts';

export interface PageInfo {
  adapter: Gpu['adapter'];
  features: readonly string[];
  limits: Record<string, number>;
  userAgent: string;
  crossOriginIsolated: boolean;
  peers: PeerInfo[];
  /** Peers asked for that could not start here, with the error they raised. */
  unavailable: Partial<Record<PeerEngine, string>>;
}

export interface DataRequest {
  /** Absolute URL of the dataset's folder; the WASM peers' files are served from the same origin. */
  url: string;
  peers: PeerEngine[];
  data: PeerData;
}

interface State {
  gpu: Gpu;
  data: ResidentDataset;
  peers: Map<PeerEngine, Peer>;
}

installCounters();
/** Validation errors make WebGPU drop whole command buffers: any one voids the timings. */
const oursErrors: string[] = [];
let state: State | null = null;
let ours: OursRun | null = null;
let opened: Peer[] = [];

function loaded(): State {
  if (!state) throw new Error('load() the dataset first');
  return state;
}

function factories(origin: string): Record<PeerEngine, PeerFactory> {
  const worker = `${origin}/wasm-worker.js`;
  const wasm = `${origin}/wasm/`;
  return {
    'tfjs-webgpu': tfjsWebgpuPeer,
    'tfjs-wasm-1t': tfjsWasmPeer(1, worker, wasm, `${origin}/data/`),
    'tfjs-wasm-2t': tfjsWasmPeer(2, worker, wasm, `${origin}/data/`),
    'jax-js': jaxPeer,
  };
}

async function load(request: DataRequest): Promise<PageInfo> {
  const gpu = await Gpu.create();
  gpu.device.addEventListener('uncapturederror', (e) => oursErrors.push((e as GPUUncapturedErrorEvent).error.message));
  const dataset = await datasetFromUrl('fashion-mnist', request.url);
  const make = factories(new URL(request.url).origin);
  const peers = new Map<PeerEngine, Peer>();
  const unavailable: PageInfo['unavailable'] = {};
  for (const engine of request.peers) {
    try {
      peers.set(engine, await make[engine](dataset, request.data));
    } catch (error) {
      unavailable[engine] = (error as Error).message ?? String(error);
    }
  }
  state = { gpu, data: uploadDataset(gpu, dataset), peers };
  const limits = Object.fromEntries(
    ['maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupStorageSize', 'maxStorageBufferBindingSize', 'maxBufferSize']
      .map((k) => [k, gpu.device.limits[k as keyof GPUSupportedLimits] as number]),
  );
  return {
    adapter: gpu.adapter, features: gpu.features, limits, userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true, peers: [...peers.values()].map((p) => p.info), unavailable,
  };
}

function peer(engine: PeerEngine): Peer {
  const p = loaded().peers.get(engine);
  if (!p || !opened.includes(p)) throw new Error(`${engine} is not open`);
  return p;
}

/** Our trainer and the given peers for one (variant, batch); returns our trainer's memory. */
async function open(config: OursConfig, peers: PeerEngine[] = []): Promise<{ memory: MemoryReport }> {
  const s = loaded();
  await close();
  ours = new OursRun(s.gpu, s.data, config);
  for (const engine of peers) {
    const p = s.peers.get(engine);
    if (!p) throw new Error(`${engine} did not start`);
    await p.open(config.variant, config.batch, config.seed);
    opened.push(p);
  }
  return { memory: ours.memory };
}

async function close(): Promise<void> {
  ours?.dispose();
  ours = null;
  for (const p of opened) await p.close();
  opened = [];
}

function oursRun(): OursRun {
  if (!ours) throw new Error('open() first');
  return ours;
}

const oursTrain = (steps: number): Promise<Timed> => oursRun().train(steps);
const oursInfer = (): Promise<Timed & { samples: number }> => oursRun().infer();
const peerTrain = (engine: PeerEngine, steps: number): Promise<Timed> => peer(engine).train(steps);
const peerInfer = (engine: PeerEngine, batch: number): Promise<Timed & { samples: number }> => peer(engine).infer(batch);

/** Test accuracy of an open engine: ours over its test limit, a peer over its accuracy subset. */
function accuracy(engine: Engine, batch: number): Promise<number> {
  return engine === 'ours' ? oursRun().accuracy() : peer(engine).accuracy(batch);
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

/** WebGPU validation errors so far, per engine that has a device. */
function errors(): Partial<Record<Engine, string[]>> {
  const s = loaded();
  return { ours: oursErrors, ...Object.fromEntries([...s.peers].map(([engine, p]) => [engine, p.gpuErrors])) };
}

export const api = { load, open, close, oursTrain, oursInfer, peerTrain, peerInfer, accuracy, profile, epoch, ceiling, errors };
export type BenchApi = typeof api;
(globalThis as unknown as { bench: BenchApi }).bench = api;
