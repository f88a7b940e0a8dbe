/**
 * What the command-line tools' pages share: one engine per page, each dataset fetched and uploaded
 * once per URL, and base64 for bytes crossing to Node.
 */
import { datasetFromUrl } from '../../src/data/dataset.ts';
import { Gpu } from '../../src/gpu/gpu.ts';
import { uploadDataset, type ResidentDataset } from '../../src/data/resident.ts';

let gpu: Promise<Gpu> | null = null;
const datasets = new Map<string, Promise<ResidentDataset>>();

export function engine(): Promise<Gpu> {
  gpu ??= Gpu.create();
  return gpu;
}

export async function residentDataset(name: string, url: string): Promise<ResidentDataset> {
  const g = await engine();
  if (!datasets.has(url)) datasets.set(url, datasetFromUrl(name, url).then((d) => uploadDataset(g, d)));
  return datasets.get(url)!;
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** The adapter and browser, as the tools record them. */
export async function adapter(): Promise<{ adapter: Gpu['adapter']; features: readonly string[]; userAgent: string }> {
  const g = await engine();
  return { adapter: g.adapter, features: g.features, userAgent: navigator.userAgent };
}
