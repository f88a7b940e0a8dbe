/**
 * Worker script of a tfjs-wasm peer: its own TF.js on the WASM backend (SIMD; the threaded build
 * when the page is cross-origin isolated) with a fixed XNNPACK thread count, so one page can hold
 * a 1-thread and a 2-thread backend side by side. Driven by bench/wasm-client.ts, one call at a time.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { datasetFromUrl } from '../src/data/dataset.ts';
import { variant, type VariantName } from '../src/model/variants.ts';
import { TfjsTrainer, uploadImages, type TfjsData } from './tfjs-model.ts';
import type { PeerData } from './peer.ts';
import { registerWasmConv2dBackpropFilter } from './wasm-kernel.ts';

export interface WasmInit extends PeerData {
  threads: number;
  dataUrl: string;
  /** Folder URL the three .wasm binaries are served from. */
  wasmUrl: string;
}

export interface WasmFacts {
  version: string;
  backend: string;
  /** getThreadsCount() after init: the XNNPACK threads the backend really uses. */
  threads: number;
  simd: boolean;
  multithreaded: boolean;
  crossOriginIsolated: boolean;
  /** The browser's navigator.hardwareConcurrency (before the override in init). */
  hardwareConcurrency: number;
  /** What the stock backend raised on one baseline training step, before the bench kernel. */
  stockError: string | null;
}

let sets: { train: TfjsData; infer: TfjsData; accuracy: TfjsData } | null = null;
let trainer: TfjsTrainer | null = null;

function opened(): TfjsTrainer {
  if (!trainer) throw new Error('tfjs-wasm: open() first');
  return trainer;
}

async function init(request: WasmInit): Promise<WasmFacts> {
  // The backend caps its threads at navigator.hardwareConcurrency / 2 (it assumes two hardware
  // threads per core), which is 1 on a 2-core machine whatever setThreadsCount asks for. Report
  // enough cores for the count asked; getThreadsCount() below checks what the pool really has.
  const cores = navigator.hardwareConcurrency;
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: Math.max(cores, 2 * request.threads), configurable: true });
  setWasmPaths(request.wasmUrl);
  setThreadsCount(request.threads);
  if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm') throw new Error(`TF.js could not use its WASM backend (it runs on ${tf.getBackend()})`);
  await tf.ready();
  const dataset = await datasetFromUrl('fashion-mnist', request.dataUrl);
  sets = {
    train: uploadImages(dataset.train, request.trainImages),
    infer: uploadImages(dataset.test, request.inferImages),
    accuracy: uploadImages(dataset.test, request.accuracyImages),
  };
  let stockError: string | null = null;
  const probe = new TfjsTrainer(sets.train, variant('baseline'), 2, 0);
  try {
    await probe.train(1);
  } catch (error) {
    stockError = (error as Error).message;
  } finally {
    probe.dispose();
  }
  registerWasmConv2dBackpropFilter();
  return {
    version: tf.version.tfjs, backend: tf.getBackend(), threads: getThreadsCount(),
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean,
    multithreaded: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') as boolean,
    crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: cores, stockError,
  };
}

function open(name: VariantName, batch: number, seed: number): void {
  trainer?.dispose();
  trainer = new TfjsTrainer(sets!.train, variant(name), batch, seed);
}

async function train(steps: number): Promise<number> {
  const started = performance.now();
  await opened().train(steps);
  return (performance.now() - started) / 1000;
}

async function infer(batch: number): Promise<{ seconds: number; samples: number }> {
  const started = performance.now();
  await opened().infer(sets!.infer, batch);
  return { seconds: (performance.now() - started) / 1000, samples: sets!.infer.count };
}

const accuracy = (batch: number) => opened().accuracy(sets!.accuracy, batch);

function close(): void {
  trainer?.dispose();
  trainer = null;
}

export const wasmApi = { init, open, train, infer, accuracy, close };
export type WasmApi = typeof wasmApi;

self.onmessage = async ({ data }: MessageEvent<{ id: number; name: keyof WasmApi; args: unknown[] }>) => {
  try {
    const result = await (wasmApi[data.name] as (...a: unknown[]) => unknown)(...data.args);
    self.postMessage({ id: data.id, result });
  } catch (error) {
    self.postMessage({ id: data.id, error: (error as Error).message ?? String(error) });
  }
};
