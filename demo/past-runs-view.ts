/** The past-runs list: every run kept in this browser, newest first, each one to show again or delete. */
import { byId, h } from './dom.ts';
import { describeRun, type SavedRun } from './past-runs.ts';

export interface PastRunsActions {
  show(run: SavedRun): void;
  delete(run: SavedRun): void;
}

export class PastRunsView {
  private readonly section = byId('past');
  private readonly list = byId('past-runs');
  private readonly status = byId('past-status');
  private selected: string | null = null;

  constructor(private readonly actions: PastRunsActions) {}

  render(runs: readonly SavedRun[], storageWorks: boolean): void {
    this.section.hidden = false;
    this.status.textContent = !storageWorks
      ? 'This browser keeps no data for this page (IndexedDB is unavailable), so runs are lost on reload.'
      : runs.length === 0 ? 'No runs yet: each run that ends is kept here, in this browser, across reloads.'
        : `${runs.length} run${runs.length === 1 ? '' : 's'} kept in this browser.`;
    this.list.replaceChildren(...runs.map((run) => {
      const { title, detail } = describeRun(run);
      const show = h('button', { type: 'button', className: 'show', 'aria-label': `Show the run of ${title}` }, 'Show');
      const remove = h('button', { type: 'button', className: 'delete', 'aria-label': `Delete the run of ${title}` }, 'Delete');
      show.addEventListener('click', () => this.actions.show(run));
      remove.addEventListener('click', () => this.actions.delete(run));
      return h('li', { 'data-run-id': run.id, 'aria-current': run.id === this.selected ? 'true' : undefined },
        h('div', {}, h('strong', {}, title), h('br'), h('span', { className: 'note' }, detail)), h('div', { className: 'controls' }, show, remove));
    }));
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
