/**
 * Node entry (`lenet-webgpu/node`): an engine on the `webgpu` package (Dawn), an optional peer
 * dependency loaded here only, so browser bundles never see it. This module imports the engine
 * through './index.ts' alone: the library build maps that to the shipped index.js, so Node users
 * get the same classes (one Gpu, one Trainer) whichever entry they import them from.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError, Gpu, IDX_FILES, WebGPUUnavailableError, datasetFromBytes, type Dataset } from './index.ts';

export interface NodeGpuOptions {
  /** Dawn's own switches, e.g. ['backend=vulkan'] or ['adapter=NAME'] (see the `webgpu` package). */
  dawnOptions?: string[];
  powerPreference?: GPUPowerPreference;
}

/** One Dawn instance per set of options, kept for the process: a collected instance takes its devices down. */
const instances = new Map<string, GPU>();

const NO_ADAPTER_HINT =
  'Dawn needs a Vulkan loader (Debian: apt-get install libvulkan1) and a driver; without a GPU, point it at ' +
  "Chromium's SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json";

/** A Gpu on a device from Dawn. `gpu.dispose()` frees its buffers; `gpu.device.destroy()` the device. */
export async function createNodeGpu(options: NodeGpuOptions = {}): Promise<Gpu> {
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (error) {
    throw new WebGPUUnavailableError(`Node mode needs the optional peer dependency \`webgpu\` (npm install webgpu): ${(error as Error).message}`);
  }
  // The engine reads GPUBufferUsage, GPUShaderStage and GPUMapMode as globals, as a browser has them.
  for (const [name, value] of Object.entries(webgpu.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const key = JSON.stringify(options.dawnOptions ?? []);
  if (!instances.has(key)) instances.set(key, webgpu.create(options.dawnOptions ?? []));
  try {
    return await Gpu.create({ gpu: instances.get(key)!, ...(options.powerPreference && { powerPreference: options.powerPreference }) });
  } catch (error) {
    // With an explicit GPU object, the only WebGPUUnavailableError left is "no adapter".
    if (error instanceof WebGPUUnavailableError) throw new WebGPUUnavailableError(`WebGPU is unavailable: Dawn found no adapter. ${NO_ADAPTER_HINT}`);
    throw error;
  }
}

/** A dataset from a local folder holding its four IDX files (gzipped or not, under their usual names). */
export async function datasetFromDirectory(name: string, dir: string): Promise<Dataset> {
  const entries = await Promise.all(Object.entries(IDX_FILES).map(async ([key, file]) => {
    const path = join(dir, file);
    try {
      return [key, { name: path, bytes: new Uint8Array(await readFile(path)) }] as const;
    } catch (error) {
      throw new DatasetError(`${path}: could not be read (${(error as Error).message})`);
    }
  }));
  return datasetFromBytes(name, Object.fromEntries(entries) as Parameters<typeof datasetFromBytes>[1]);
}
