/**
 * The live part of the page while the study runs: one card per variant (status, epoch, its
 * chart), the comparison chart, and the progress bar with samples per second and time left.
 * Progress events arrive many times a second; the bar is redrawn at most once per frame, and each
 * chart is built and updated in a task of its own, so the page answers input between them.
 */
import { DISPLAY_NAMES } from '../src/study/claims.ts';
import type { EpochMetrics, EvaluationProgress, Progress } from '../src/train/types.ts';
import { ComparisonChart, VariantChart } from './charts.ts';
import { byId, h, nextTask } from './dom.ts';
import { count, duration } from './format.ts';
import { percent } from './results.ts';
import { StepSeries } from './step-series.ts';
import type { Study, StudyEnd, VariantRun } from './study.ts';

interface Card {
  element: HTMLElement;
  detail: HTMLElement;
  message: HTMLElement;
  /** Made in a task of its own after the card (see reset). */
  chart: VariantChart | null;
  steps: StepSeries;
}

export class TrainingView {
  private readonly cards = new Map<string, Card>();
  private readonly comparison = new ComparisonChart(byId<HTMLCanvasElement>('comparison-chart'));
  private readonly bar = byId<HTMLProgressElement>('progress');
  private readonly text = byId('progress-text');
  private frame = 0;

  /** New cards for a new study; resolves once every card has its chart. */
  async reset(variants: readonly string[], epochs: number, heldOut: 'validation' | 'test'): Promise<void> {
    for (const card of this.cards.values()) card.chart?.destroy();
    this.cards.clear();
    const container = byId('variant-cards');
    container.replaceChildren();
    for (const name of variants) {
      const canvas = h('canvas', { role: 'img' });
      const detail = h('span', { className: 'detail' }, `0 / ${epochs} epochs`);
      const message = h('p', { className: 'message', hidden: true });
      const element = h('article', { className: 'card', 'data-variant': name, 'data-status': 'queued' },
        h('h3', {}, DISPLAY_NAMES[name] ?? name, ' ', h('span', { className: 'badge' }, 'queued')), detail, h('figure', { className: 'chart' }, canvas), message);
      container.append(element);
      this.cards.set(name, { element, detail, message, chart: null, steps: new StepSeries() });
    }
    this.bar.value = 0;
    this.text.textContent = 'Starting…';
    for (const card of this.cards.values()) {
      await nextTask();
      card.chart = new VariantChart(card.element.querySelector('canvas')!, card.element.dataset.variant!);
    }
    await nextTask();
    this.comparison.reset(variants, heldOut);
  }

  /** Before the first step: what is happening instead (e.g. compiling shaders). */
  stage(text: string): void {
    this.text.textContent = text;
  }

  /** A command buffer's worth of steps: its mean loss and accuracy on the variant's per-step curves. */
  step(run: VariantRun, p: Progress): void {
    const card = this.cards.get(run.name);
    const point = card?.steps.add(p);
    if (point) card!.chart?.addStep(point);
  }

  /** The card says what its variant is doing between the epoch's last step and its metrics. */
  evaluating(run: VariantRun, p: EvaluationProgress): void {
    const card = this.cards.get(run.name);
    if (card) card.detail.textContent = `evaluating ${p.split}: ${count(p.images)} / ${count(p.total)} images`;
  }

  epoch(run: VariantRun, m: EpochMetrics, epochs: number): void {
    const card = this.cards.get(run.name)!;
    card.chart!.add(m);
    setTimeout(() => this.comparison.add(m), 0);
    const heldOut = m.validationAccuracy !== null ? `val ${percent(m.validationAccuracy, 1)}` : `test ${percent(m.testAccuracy, 1)}`;
    card.detail.textContent = `${m.epoch} / ${epochs} epochs · train ${percent(m.trainAccuracy, 1)} · ${heldOut}`;
  }

  status(run: VariantRun): void {
    const card = this.cards.get(run.name)!;
    card.element.dataset.status = run.status;
    card.element.querySelector('.badge')!.textContent = run.status;
    card.message.hidden = !run.message;
    card.message.textContent = run.message ?? '';
  }

  /** Redraw the progress bar on the next frame (many progress events collapse into one redraw). */
  progress(study: Study): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const s = study.stats();
      this.bar.max = Math.max(1, s.total);
      this.bar.value = s.done;
      const rate = s.samplesPerSecond > 0 && s.done > 0 ? ` · ${count(s.samplesPerSecond)} samples/s · ${duration(s.secondsLeft)} left` : ' · measuring the speed…';
      this.text.textContent = `${count(s.done)} / ${count(s.total)} training samples${rate}`;
    });
  }

  /** The run has ended: what was trained, against what was planned, and the compile stage before it. */
  final(study: Study, end: StudyEnd, compileSeconds: number): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const s = study.stats();
    this.bar.max = Math.max(1, s.planned);
    this.bar.value = s.done;
    const rate = `${s.samplesPerSecond > 0 ? ` · ${count(s.samplesPerSecond)} samples/s` : ''} · shaders compiled in ${compileSeconds.toFixed(1)} s before the first step`;
    this.text.textContent = s.done === s.planned
      ? `${count(s.done)} / ${count(s.planned)} training samples${rate}`
      : `${end === 'finished' ? 'Ended' : end === 'lost' ? 'Device lost' : 'Stopped'}: trained ${count(s.done)} of ${count(s.planned)} planned samples ` +
        `(${Math.floor((100 * s.done) / Math.max(1, s.planned))}%)${rate}`;
  }
}
