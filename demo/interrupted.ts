/**
 * The run in progress, kept after each finished epoch so a reload (or a lost device) does not
 * lose it: its settings, the data it trains on, and per variant the finished epochs, their
 * weights and the trainer's checkpoint. Resuming restores each trainer from its checkpoint and
 * continues: the same numbers as a run that never stopped (each variant trains on its own, the
 * turns between them do not change its steps). No DOM, no IndexedDB: tested in Node.
 */
import type { VariantName } from '../src/model/variants.ts';
import type { EpochMetrics } from '../src/train/types.ts';
import { checkSavedSettings } from './past-runs.ts';
import type { Settings } from './settings.ts';

export const INTERRUPTED_VERSION = 1;

export interface InterruptedRun {
  version: typeof INTERRUPTED_VERSION;
  /** ISO time the run started. */
  startedAt: string;
  settings: Settings;
  /** The dataset it trains on, as loaded then: a resume needs the same one loaded. */
  dataset: { name: string; source: string; trainCount: number; testCount: number };
  variants: Partial<Record<VariantName, { epochs: EpochMetrics[]; weights: Uint8Array; checkpoint: Uint8Array }>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A stored value as an InterruptedRun, or null when it is not one this page wrote. */
export function checkInterrupted(value: unknown): InterruptedRun | null {
  if (!isObject(value) || value.version !== INTERRUPTED_VERSION || typeof value.startedAt !== 'string') return null;
  const settings = checkSavedSettings(value.settings);
  const d = value.dataset;
  if (!settings || !isObject(d) || typeof d.name !== 'string' || typeof d.source !== 'string' || typeof d.trainCount !== 'number' || typeof d.testCount !== 'number') return null;
  if (!isObject(value.variants)) return null;
  for (const [name, v] of Object.entries(value.variants)) {
    if (!settings.variants.includes(name as VariantName)) return null;
    if (!isObject(v) || !Array.isArray(v.epochs) || !(v.weights instanceof Uint8Array) || !(v.checkpoint instanceof Uint8Array)) return null;
  }
  return { ...(value as unknown as InterruptedRun), settings };
}

/** Why this run cannot resume on the dataset now loaded, or null when it can. */
export function resumeProblem(run: InterruptedRun, loaded: { name: string; source: string; trainCount: number; testCount: number } | null): string | null {
  const d = run.dataset;
  if (!loaded) return `load ${d.name} (${d.source}) first`;
  if (loaded.name !== d.name || loaded.source !== d.source || loaded.trainCount !== d.trainCount || loaded.testCount !== d.testCount) {
    return `it trained on ${d.name} from ${d.source} (${d.trainCount.toLocaleString('en')} + ${d.testCount.toLocaleString('en')} images); load that dataset to resume it`;
  }
  return null;
}

/** One line for the notice: when it started, and how far each variant got. */
export function describeInterrupted(run: InterruptedRun): string {
  const done = run.settings.variants.map((v) => run.variants[v]?.epochs.length ?? 0);
  const when = run.startedAt.slice(0, 16).replace('T', ' ');
  return `A run started ${when} UTC on ${run.dataset.name} stopped before it ended: ${done.reduce((a, b) => a + b, 0)} of `
    + `${run.settings.variants.length * run.settings.epochs} variant-epochs are kept.`;
}
