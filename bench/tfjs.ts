/** The tfjs-webgpu peer's backend: TF.js 4.x on WebGPU in the page (model and trainer: tfjs-model.ts). */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { variant, VARIANT_NAMES } from '../src/model/variants.ts';
import { timed, type PeerFactory } from './peer.ts';
import { TfjsTrainer, uploadImages } from './tfjs-model.ts';

interface TfjsInfo {
  version: string;
  /** tf.getBackend() after asking for 'webgpu': the backend every TF.js figure actually ran on. */
  backend: string;
  /** The WebGPU backend's defaults for the flags that choose kernels or hand work to the CPU. */
  flags: Record<string, unknown>;
}

const KERNEL_FLAGS = [
  'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 'WEBGPU_CPU_FORWARD', 'WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD', 'WEBGPU_MATMUL_PROGRAM_TYPE',
  'WEBGPU_USE_NAIVE_CONV2D_DEBUG', 'WEBGPU_CONV_SEPARATE_IM2COL_SHADER', 'WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL',
];

async function useWebGpu(): Promise<TfjsInfo> {
  const ok = await tf.setBackend('webgpu');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'webgpu') throw new Error(`TF.js could not use its WebGPU backend (it runs on ${tf.getBackend()})`);
  return { version: tf.version.tfjs, backend: tf.getBackend(), flags: Object.fromEntries(KERNEL_FLAGS.map((f) => [f, tf.env().get(f)])) };
}

/** The GPUDevice TF.js's WebGPU backend runs on (to catch validation errors, which drop work silently). */
function tfjsDevice(): GPUDevice {
  return (tf.backend() as WebGPUBackend).device;
}

/** The tfjs-webgpu peer: TfjsTrainer on TF.js's WebGPU backend in the page. */
export const tfjsWebgpuPeer: PeerFactory = async (dataset, sizes) => {
  const info = await useWebGpu();
  const train = uploadImages(dataset.train, sizes.trainImages);
  const inferSet = uploadImages(dataset.test, sizes.inferImages);
  const accuracySet = uploadImages(dataset.test, sizes.accuracyImages);
  const gpuErrors: string[] = [];
  tfjsDevice().addEventListener('uncapturederror', (e) => gpuErrors.push((e as GPUUncapturedErrorEvent).error.message));
  let trainer: TfjsTrainer | null = null;
  const open = () => {
    if (!trainer) throw new Error('tfjs-webgpu: open() first');
    return trainer;
  };
  return {
    info: { engine: 'tfjs-webgpu', version: info.version, backend: info.backend, variants: [...VARIANT_NAMES], details: { flags: info.flags } },
    gpuErrors,
    async open(name, batch, seed) {
      trainer?.dispose();
      trainer = new TfjsTrainer(train, variant(name), batch, seed);
    },
    train: (steps) => timed(() => open().train(steps)),
    infer: async (batch) => ({ ...(await timed(() => open().infer(inferSet, batch))), samples: inferSet.count }),
    accuracy: (batch) => open().accuracy(accuracySet, batch),
    async close() {
      trainer?.dispose();
      trainer = null;
    },
  };
};
