/**
 * The page's IndexedDB (through idb-keyval): the settings as last typed, every ended run, and the
 * run in progress as of its last finished epoch (interrupted.ts).
 * Storage can be missing or full (private windows, quotas): every call reports failure by its
 * result instead of throwing, so the page keeps working without it.
 */
import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval';
import { checkInterrupted, type InterruptedRun } from './interrupted.ts';
import { checkSavedRun, checkSavedSettings, sortRuns, type SavedRun } from './past-runs.ts';
import type { Settings } from './settings.ts';

const RUN_PREFIX = 'run:';
const INTERRUPTED = 'interrupted';

export class Store {
  private readonly db: UseStore | null;

  constructor() {
    let db: UseStore | null = null;
    try {
      db = typeof indexedDB === 'undefined' ? null : createStore('lenet-webgpu-demo', 'kv');
    } catch {
      // No IndexedDB here: nothing is kept.
    }
    this.db = db;
  }

  async settings(): Promise<Settings | null> {
    return this.db ? checkSavedSettings(await get('settings', this.db).catch(() => null)) : null;
  }

  async saveSettings(settings: Settings): Promise<boolean> {
    return this.db ? set('settings', settings, this.db).then(() => true, () => false) : false;
  }

  /** Every stored run this page can read, newest first. */
  async runs(): Promise<SavedRun[]> {
    if (!this.db) return [];
    const all = await entries(this.db).catch(() => []);
    return sortRuns(all.filter(([key]) => String(key).startsWith(RUN_PREFIX)).map(([, value]) => checkSavedRun(value)).filter((r): r is SavedRun => r !== null));
  }

  async saveRun(run: SavedRun): Promise<boolean> {
    return this.db ? set(RUN_PREFIX + run.id, run, this.db).then(() => true, () => false) : false;
  }

  async interrupted(): Promise<InterruptedRun | null> {
    return this.db ? checkInterrupted(await get(INTERRUPTED, this.db).catch(() => null)) : null;
  }

  async saveInterrupted(run: InterruptedRun | null): Promise<boolean> {
    if (!this.db) return false;
    return (run ? set(INTERRUPTED, run, this.db) : del(INTERRUPTED, this.db)).then(() => true, () => false);
  }

  async deleteRun(id: string): Promise<boolean> {
    return this.db ? del(RUN_PREFIX + id, this.db).then(() => true, () => false) : false;
  }
}
