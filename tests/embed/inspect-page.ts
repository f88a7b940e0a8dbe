/**
 * Page side of tests/inspect.test.ts: each requested variant trained a few steps on the main
 * thread, then its parameters(), exported weights and activations() of some test images; the same
 * run of one variant in a TrainingWorker (script at /worker.js); and the refusal of a bad image.
 * Float32Arrays come back as number arrays (page.evaluate returns JSON).
 */
import type { IdxFileKey } from '../../src/data/dataset.ts';
import {
  Gpu, Trainer, TrainingWorker, datasetFromBytes, disposeDataset, uploadDataset, variant,
  type LayerActivation, type ModelTensor, type TrainerOptionsInput, type VariantName,
} from '../../src/index.ts';

export interface InspectRequest {
  base64: Record<IdxFileKey, string>;
  options: Omit<TrainerOptionsInput, 'variant'>;
  steps: number;
  variants: VariantName[];
  /** Indices of the test images whose activations are read. */
  images: number[];
  /** The variant also run in a worker. */
  workerVariant: VariantName;
}

export interface PlainTensor { name: string; shape: number[]; data: number[] }
export interface PlainActivation { layer: string; kind: string; shape: number[]; data: number[] }

export interface VariantReport {
  parameters: PlainTensor[];
  weightsBase64: string;
  /** Per requested image: its pixels and every layer's output. */
  activations: { pixels: number[]; layers: PlainActivation[] }[];
}

export interface InspectReport {
  main: Record<string, VariantReport>;
  worker: { parameters: PlainTensor[]; activations: PlainActivation[][] };
  /** "Name: message" of each bad call. */
  errors: Record<'shortImage' | 'twoImages' | 'workerShortImage', string>;
  /** Per variant: buffers a repeated activations() call added, and those its trainer left after dispose(). */
  buffers: Record<string, { repeatGrowth: number; leftAfterDispose: number }>;
}

const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const encode = (bytes: Uint8Array) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const failure = (promise: Promise<unknown>) => promise.then(() => 'no error', (e: Error) => `${e.name}: ${e.message}`);
const plainTensors = (ts: ModelTensor[]): PlainTensor[] => ts.map((t) => ({ name: t.name, shape: t.shape, data: Array.from(t.data) }));
const plainLayers = (ls: LayerActivation[]): PlainActivation[] => ls.map((l) => ({ layer: l.layer, kind: l.kind, shape: l.shape, data: Array.from(l.data) }));

async function run(request: InspectRequest): Promise<InspectReport> {
  const files = Object.fromEntries(Object.entries(request.base64).map(([k, v]) => [k, { name: `${k}.gz`, bytes: decode(v) }]));
  const dataset = await datasetFromBytes('synthetic', files as Parameters<typeof datasetFromBytes>[1]);
  const image = (i: number) => dataset.test.images.slice(i * 784, (i + 1) * 784);
  const gpu = await Gpu.create();
  const data = uploadDataset(gpu, dataset);
  const main: Record<string, VariantReport> = {};
  let errors: Pick<InspectReport['errors'], 'shortImage' | 'twoImages'> | null = null;
  const buffers: InspectReport['buffers'] = {};
  for (const name of request.variants) {
    const beforeTrainer = gpu.allocatedBuffers;
    const trainer = new Trainer(gpu, data, { ...request.options, variant: variant(name) });
    await trainer.train({ steps: request.steps });
    const activations = [];
    for (const i of request.images) activations.push({ pixels: Array.from(image(i)), layers: plainLayers(await trainer.activations(image(i))) });
    main[name] = { parameters: plainTensors(await trainer.parameters()), weightsBase64: encode(await trainer.exportWeights()), activations };
    errors ??= {
      shortImage: await failure(trainer.activations(image(0).subarray(1))),
      twoImages: await failure(trainer.activations(dataset.test.images.slice(0, 2 * 784))),
    };
    const beforeRepeat = gpu.allocatedBuffers;
    await trainer.activations(image(0));
    const repeatGrowth = gpu.allocatedBuffers - beforeRepeat;
    trainer.dispose();
    buffers[name] = { repeatGrowth, leftAfterDispose: gpu.allocatedBuffers - beforeTrainer };
  }
  disposeDataset(gpu, data);
  gpu.dispose();
  gpu.device.destroy();

  const worker = await TrainingWorker.create({ worker: '/worker.js', dataset, options: { ...request.options, variant: variant(request.workerVariant) } });
  await worker.train({ steps: request.steps });
  const workerReport = { parameters: plainTensors(await worker.parameters()), activations: [] as PlainActivation[][] };
  for (const i of request.images) workerReport.activations.push(plainLayers(await worker.activations(image(i))));
  const workerShortImage = await failure(worker.activations(image(0).subarray(1)));
  await worker.dispose();
  return { main, worker: workerReport, errors: { ...errors!, workerShortImage }, buffers };
}

(globalThis as unknown as { inspectCheck: unknown }).inspectCheck = { run };
