/**
 * The past-runs list: every run kept in this browser, newest first, each one to show again,
 * delete, or tick for comparison (the two ticked last are drawn over each other).
 */
import { byId, h } from './dom.ts';
import { describeRun, type SavedRun } from './past-runs.ts';

export interface PastRunsActions {
  show(run: SavedRun): void;
  delete(run: SavedRun): void;
  /** The runs ticked for comparison (at most two, oldest tick first); fewer than two hides the chart. */
  compare(runs: SavedRun[]): void;
}

export class PastRunsView {
  private readonly section = byId('past');
  private readonly list = byId('past-runs');
  private readonly status = byId('past-status');
  private selected: string | null = null;
  private compared: SavedRun[] = [];

  constructor(private readonly actions: PastRunsActions) {}

  render(runs: readonly SavedRun[], storageWorks: boolean): void {
    this.section.hidden = false;
    this.status.textContent = !storageWorks
      ? 'This browser keeps no data for this page (IndexedDB is unavailable), so runs are lost on reload.'
      : runs.length === 0 ? 'No runs yet: each run that ends is kept here, in this browser, across reloads.'
        : `${runs.length} run${runs.length === 1 ? '' : 's'} kept in this browser.`;
    // A deleted run leaves the comparison.
    this.compared = this.compared.filter((c) => runs.some((r) => r.id === c.id));
    this.actions.compare(this.compared);
    this.list.replaceChildren(...runs.map((run) => {
      const { title, detail } = describeRun(run);
      const tick = h('input', { type: 'checkbox', className: 'compare', checked: this.compared.some((c) => c.id === run.id) });
      tick.addEventListener('change', () => this.tick(run, tick.checked));
      const show = h('button', { type: 'button', className: 'show', 'aria-label': `Show the run of ${title}` }, 'Show');
      const remove = h('button', { type: 'button', className: 'delete', 'aria-label': `Delete the run of ${title}` }, 'Delete');
      show.addEventListener('click', () => this.actions.show(run));
      remove.addEventListener('click', () => this.actions.delete(run));
      return h('li', { 'data-run-id': run.id, 'aria-current': run.id === this.selected ? 'true' : undefined },
        h('div', {}, h('strong', {}, title), h('br'), h('span', { className: 'note' }, detail)), h('div', { className: 'controls' }, h('label', {}, tick, ' Compare'), show, remove));
    }));
  }

  private tick(run: SavedRun, on: boolean): void {
    this.compared = this.compared.filter((c) => c.id !== run.id);
    if (on) this.compared.push(run);
    // Two at a time: a third tick replaces the oldest.
    if (this.compared.length > 2) {
      const dropped = this.compared.shift()!;
      const box = this.list.querySelector<HTMLInputElement>(`li[data-run-id="${CSS.escape(dropped.id)}"] input.compare`);
      if (box) box.checked = false;
    }
    this.actions.compare(this.compared);
  }

  /** Mark the run shown in the results section. */
  select(id: string | null): void {
    this.selected = id;
    for (const item of this.list.children) {
      if ((item as HTMLElement).dataset.runId === id) item.setAttribute('aria-current', 'true');
      else item.removeAttribute('aria-current');
    }
  }
}
