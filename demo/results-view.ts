/**
 * The results section: summary chart and table of the final train / validation / test accuracy
 * per variant, the conclusions drawn from them, and the exports (results as JSON and CSV, each
 * variant's weights as .safetensors — taken after its last finished epoch, so they survive a lost device).
 */
import { DISPLAY_NAMES } from '../src/study/claims.ts';
import { SummaryChart } from './charts.ts';
import { byId, h } from './dom.ts';
import { download } from './download.ts';
import { conclusions, percent, studyCsv, studyRecord, summarize, type ShownRun, type StudyRecord } from './results.ts';

export class ResultsView {
  private readonly section = byId('results');
  private readonly chart = new SummaryChart(byId<HTMLCanvasElement>('summary-chart'));
  private readonly body = byId('summary-table').querySelector('tbody')!;
  private readonly conclusions = byId('conclusions');
  private readonly verdicts = byId('verdicts').querySelector('tbody')!;
  private runs: readonly ShownRun[] = [];
  private meta: Omit<StudyRecord, 'variants'> | null = null;

  constructor() {
    byId('export-json').addEventListener('click', () => {
      download(`${this.fileStem()}.json`, JSON.stringify(studyRecord(this.meta!, this.runs), null, 2), 'application/json');
    });
    byId('export-csv').addEventListener('click', () => download(`${this.fileStem()}.csv`, studyCsv(this.runs), 'text/csv'));
  }

  private fileStem(): string {
    return `lenet-study-${this.meta!.dataset.name}`;
  }

  /** Nothing shown yet. */
  get empty(): boolean {
    return this.meta === null;
  }

  hide(): void {
    this.section.hidden = true;
  }

  /** Show the runs as they are; conclusions only once the study has ended. */
  show(runs: readonly ShownRun[], meta: Omit<StudyRecord, 'variants'>, ended: boolean): void {
    this.runs = runs;
    this.meta = meta;
    const rows = summarize(runs);
    this.section.hidden = false;
    this.chart.show(rows);
    this.body.replaceChildren(...rows.map((r, i) => {
      const run = runs[i]!;
      const weights = h('button', { type: 'button', className: 'weights', disabled: !run.weights, title: 'weights after the last finished epoch', 'aria-label': `${DISPLAY_NAMES[r.variant] ?? r.variant} weights, .safetensors` }, '.safetensors');
      weights.addEventListener('click', () => download(`lenet-${run.name}-${meta.dataset.name}.safetensors`, run.weights as Uint8Array<ArrayBuffer>, 'application/octet-stream'));
      const gap = r.trainAccuracy !== null && r.testAccuracy !== null ? `${(100 * (r.trainAccuracy - r.testAccuracy)).toFixed(2)} pp` : '–';
      return h('tr', { 'data-variant': r.variant, 'data-status': r.status },
        h('th', { scope: 'row' }, DISPLAY_NAMES[r.variant] ?? r.variant), h('td', {}, r.status), h('td', {}, String(r.epochs)),
        h('td', { className: 'train' }, percent(r.trainAccuracy)), h('td', { className: 'validation' }, percent(r.validationAccuracy)),
        h('td', { className: 'test' }, percent(r.testAccuracy)), h('td', {}, gap), h('td', {}, weights));
    }));
    if (!ended) {
      this.conclusions.replaceChildren(h('li', {}, 'Conclusions follow when the run ends.'));
      this.verdicts.replaceChildren();
      return;
    }
    const sizes = { train: meta.dataset.trainImages, validation: meta.dataset.validationImages, test: meta.dataset.testImages };
    const read = conclusions(runs, sizes, meta.quirks);
    this.conclusions.replaceChildren(...read.lines.map((line) => h('li', {}, line)));
    this.verdicts.replaceChildren(...read.verdicts.map((v) => h('tr', { 'data-verdict': v.verdict },
      h('td', {}, v.claim), h('td', { className: 'verdict' }, v.verdict), h('td', {}, v.evidence))));
  }
}
