/**
 * Runs kept across reloads: what is stored for a run (its results record and each variant's
 * weights after its last finished epoch), how a stored value is checked before it is used (an
 * older page's record, or a damaged one, is skipped, not trusted), and how a run is described
 * in the list. No DOM and no IndexedDB, so tested in Node; store.ts does the storing.
 */
import { DISPLAY_NAMES } from '../src/study/claims.ts';
import type { VariantName } from '../src/model/variants.ts';
import type { ShownRun, StudyRecord } from './results.ts';
import { parseSettings, toRaw, type Settings } from './settings.ts';
import type { StudyEnd } from './study.ts';

export const SAVED_RUN_VERSION = 1;

export interface SavedRun {
  version: typeof SAVED_RUN_VERSION;
  id: string;
  /** ISO time the run ended. */
  savedAt: string;
  end: StudyEnd;
  record: StudyRecord;
  /** Variant → .safetensors of its weights after its last finished epoch. */
  weights: Record<string, Uint8Array>;
}

export function newRunId(now: Date, random: () => number = Math.random): string {
  return `${now.toISOString()}-${Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0')}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A stored value as a SavedRun, or null when it is not one this page wrote. */
export function checkSavedRun(value: unknown): SavedRun | null {
  if (!isObject(value) || value.version !== SAVED_RUN_VERSION || typeof value.id !== 'string' || typeof value.savedAt !== 'string') return null;
  const record = value.record;
  if (!isObject(record) || !isObject(record.dataset) || !Array.isArray(record.variants)) return null;
  if (!record.variants.every((v) => isObject(v) && typeof v.name === 'string' && Array.isArray(v.epochs) && isObject(v.final))) return null;
  if (!isObject(value.weights) || !Object.values(value.weights).every((w) => w instanceof Uint8Array)) return null;
  return value as unknown as SavedRun;
}

/** Stored settings, or null when they no longer parse (a page with other limits wrote them). */
export function checkSavedSettings(value: unknown): Settings | null {
  if (!isObject(value)) return null;
  return parseSettings(toRaw(value as unknown as Settings)).settings;
}

/** Newest first. */
export function sortRuns(runs: readonly SavedRun[]): SavedRun[] {
  return [...runs].sort((a, b) => (a.savedAt < b.savedAt ? 1 : a.savedAt > b.savedAt ? -1 : 0));
}

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(2)}%`);

/** One line for the list: when, what data, how much, how it ended, and each variant's test accuracy. */
export function describeRun(run: SavedRun): { title: string; detail: string } {
  const r = run.record;
  const d = r.dataset;
  const when = run.savedAt.slice(0, 16).replace('T', ' ');
  const epochs = Math.max(0, ...r.variants.map((v) => v.epochs.length));
  const n = (x: number) => x.toLocaleString('en');
  const title = `${when} UTC · ${d.name} · ${epochs} epoch${epochs === 1 ? '' : 's'} · ${n(d.trainImages)} train / ${n(d.validationImages)} validation / ${n(d.testImages)} test · ${run.end}`;
  const detail = r.variants.map((v) => `${DISPLAY_NAMES[v.name] ?? v.name} ${pct(v.final.testAccuracy)}`).join(' · ');
  return { title, detail };
}

/** The stored run's variants as the results section shows them, with their weights for export. */
export function shownRuns(run: SavedRun): ShownRun[] {
  return run.record.variants.map((v) => ({
    name: v.name as VariantName, status: v.status, message: v.message, epochs: v.epochs, weights: run.weights[v.name] ?? null,
  }));
}
