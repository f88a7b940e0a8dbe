/**
 * The notice for a run that stopped before it ended (a reload, a closed tab, a lost device): what
 * is kept, Resume (continue it to the numbers of a run that never stopped) and Discard; and the
 * line under the progress bar saying how much of the run in progress this browser keeps.
 */
import { byId } from './dom.ts';
import { describeInterrupted, type InterruptedRun } from './interrupted.ts';

export class ResumeView {
  private readonly notice = byId('resume-notice');
  private readonly text = byId('resume-text');
  private readonly resumeButton = byId<HTMLButtonElement>('resume-run');
  private readonly discardButton = byId<HTMLButtonElement>('discard-run');
  private readonly kept = byId('kept-state');
  private run: InterruptedRun | null = null;

  constructor(handlers: { resume(run: InterruptedRun): void; discard(): void }) {
    this.resumeButton.addEventListener('click', () => this.run && handlers.resume(this.run));
    this.discardButton.addEventListener('click', () => handlers.discard());
  }

  show(run: InterruptedRun | null): void {
    this.run = run;
    this.notice.hidden = run === null;
    this.text.textContent = run ? `${describeInterrupted(run)} Resume continues it; Run starts a new run instead, which replaces it after its first epoch.` : '';
  }

  set disabled(value: boolean) {
    this.resumeButton.disabled = this.discardButton.disabled = value;
  }

  /** After an epoch of the run in progress was (or could not be) stored. */
  keptLine(epochs: number, planned: number, stored: boolean): void {
    this.kept.textContent = stored
      ? `Kept in this browser after each epoch (${epochs} of ${planned} variant-epochs): a reload can resume this run.`
      : 'This browser keeps nothing for the page (private window or no space): a reload would lose this run.';
  }

  clearKeptLine(): void {
    this.kept.textContent = '';
  }
}
