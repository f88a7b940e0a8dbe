/**
 * What the page tells the user about the adapter before a run: whether it is a CPU fallback
 * (SwiftShader and the like train LeNet-5 some hundred times slower than a GPU), and how long
 * these settings would take at the rate this device was measured at. No DOM, so tested in Node.
 */
import { softwareRenderer } from '../src/gpu/device.ts';
import { duration } from './format.ts';

export interface AdapterFacts {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** GPUAdapterInfo.isFallbackAdapter (Chrome ≥ 136), or the older GPUAdapter.isFallbackAdapter. */
  isFallbackAdapter?: boolean;
}

/** Why this adapter is a CPU fallback, or null when it looks like a real GPU. */
export function cpuFallback(adapter: AdapterFacts): string | null {
  if (adapter.isFallbackAdapter) return 'the browser reports a fallback adapter';
  const renderer = softwareRenderer(adapter);
  return renderer ? `the adapter is ${renderer}, a software renderer` : null;
}

/** Samples a run trains: every variant, every epoch, every training image. */
export function plannedSamples(epochs: number, trainImages: number, variants: number): number {
  return epochs * trainImages * variants;
}

/**
 * The estimate shown before Run: from this device's measured rate when there is one (the first
 * steps of the last run), else only the size of the job.
 */
export function estimateText(samples: number, samplesPerSecond: number | null): string {
  const n = samples.toLocaleString('en');
  if (!samplesPerSecond || !(samplesPerSecond > 0)) return `${n} training samples; the time is measured from the first steps of the run.`;
  return `${n} training samples: about ${duration(samples / samplesPerSecond)} at the ${Math.round(samplesPerSecond).toLocaleString('en')} samples/s measured on this device.`;
}
