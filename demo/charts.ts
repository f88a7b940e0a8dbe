/**
 * The study's charts, drawn by Chart.js: per variant, train and validation accuracy and loss per
 * epoch (as in the study's figures) over thin per-step training curves; one chart comparing the
 * variants; and the final summary. Each canvas's aria-label says what it shows and how many
 * points it holds (data-points: the per-epoch points; data-step-points: the per-step ones).
 */
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartDataset,
} from 'chart.js';
import { DISPLAY_NAMES } from '../src/study/claims.ts';
import { SPLIT_COLOURS, variantColour } from '../src/study/colours.ts';
import type { EpochMetrics } from '../src/train/types.ts';
import type { Summary } from './results.ts';
import type { StepPoint } from './step-series.ts';

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);
Chart.defaults.font.family = 'system-ui, sans-serif';

const ACCURACY = '#2563eb';
const LOSS = '#b91c1c';

const asPercent = (value: number | string) => `${Math.round(Number(value) * 1000) / 10}%`;

/** Per-step series are marked so, and counted apart from the per-epoch points. */
const isStepSeries = (d: object) => (d as { perStep?: boolean }).perStep === true;

function describe(chart: Chart, title: string): void {
  const count = (step: boolean) => chart.data.datasets.filter((d) => isStepSeries(d) === step)
    .reduce((n, d) => n + d.data.filter((v) => v !== null && (v as { y?: number | null }).y !== null).length, 0);
  const [points, steps] = [count(false), count(true)];
  chart.canvas.setAttribute('aria-label', `${title}: ${points} points${steps ? ` and ${steps} per-step points` : ''}`);
  chart.canvas.dataset.points = String(points);
  chart.canvas.dataset.stepPoints = String(steps);
}

type LineData = ChartDataset<'line', (number | null)[]>;

function line(label: string, color: string, axis: string, dashed: boolean): LineData {
  return { label, data: [], yAxisID: axis, borderColor: color, backgroundColor: color, borderDash: dashed ? [6, 4] : [], pointRadius: 2, borderWidth: 2, spanGaps: true };
}

function accuracyAxis() {
  return { type: 'linear' as const, position: 'left' as const, max: 1, title: { display: true, text: 'accuracy' }, ticks: { callback: asPercent } };
}

const baseOptions = {
  animation: false as const,
  responsive: true,
  maintainAspectRatio: false,
  interaction: { mode: 'index' as const, intersect: false },
  plugins: { legend: { labels: { boxWidth: 12, boxHeight: 2 } } },
};

type XY = { x: number; y: number | null };

/** Accuracy (left axis) and loss (right axis) of one variant: per epoch, over per-step training curves. */
export class VariantChart {
  private readonly chart: Chart<'line', XY[]>;
  private frame = 0;

  constructor(canvas: HTMLCanvasElement, private readonly variant: string) {
    const series = (label: string, color: string, axis: string, dashed: boolean) => ({ ...line(label, color, axis, dashed), data: [] as XY[] });
    // Thin, pale, no markers: the per-step means are noisy; the epoch points are the measurement.
    const steps = (label: string, color: string, axis: string) =>
      ({ ...series(label, `${color}66`, axis, false), pointRadius: 0, borderWidth: 1, perStep: true });
    this.chart = new Chart<'line', XY[]>(canvas, {
      type: 'line',
      data: {
        datasets: [
          series('train acc', ACCURACY, 'accuracy', false), series('val acc', ACCURACY, 'accuracy', true),
          series('train loss', LOSS, 'loss', false), series('val loss', LOSS, 'loss', true),
          steps('train acc per 8 steps', ACCURACY, 'accuracy'), steps('train loss per 8 steps', LOSS, 'loss'),
        ],
      },
      options: {
        ...baseOptions,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { type: 'linear', min: 0, title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
          accuracy: accuracyAxis(),
          loss: { type: 'linear', position: 'right', beginAtZero: true, title: { display: true, text: 'loss' }, grid: { drawOnChartArea: false } },
        },
      },
    });
    this.describe();
  }

  private describe(): void {
    describe(this.chart, `${DISPLAY_NAMES[this.variant] ?? this.variant}: accuracy and loss per epoch`);
  }

  add(m: EpochMetrics): void {
    const values = [m.trainAccuracy, m.validationAccuracy, m.trainLoss, m.validationLoss];
    values.forEach((y, i) => this.chart.data.datasets[i]!.data.push({ x: m.epoch, y }));
    this.chart.update();
    this.describe();
  }

  /** One command buffer's mean training accuracy and loss; drawn at most once per frame. */
  addStep(point: StepPoint): void {
    this.chart.data.datasets[4]!.data.push({ x: point.x, y: point.accuracy });
    this.chart.data.datasets[5]!.data.push({ x: point.x, y: point.loss });
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.chart.update();
      this.describe();
    });
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.chart.destroy();
  }
}

/** The comparison chart's lines, empty, one per variant in its colour (src/study/colours.ts). */
export function comparisonDatasets(variants: readonly string[]): (LineData & { variant: string })[] {
  return variants.map((v) => ({ ...line(DISPLAY_NAMES[v] ?? v, variantColour(v), 'y', false), variant: v }));
}

/** Every variant's held-out accuracy per epoch (validation, or test when nothing is held out). */
export class ComparisonChart {
  private readonly chart: Chart<'line', (number | null)[], number>;
  private title = 'validation accuracy per epoch, all variants';

  constructor(canvas: HTMLCanvasElement) {
    this.chart = new Chart<'line', (number | null)[], number>(canvas, {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: { ...baseOptions, scales: { x: { title: { display: true, text: 'epoch' } }, y: { ...accuracyAxis(), title: { display: true, text: 'validation accuracy' } } } },
    });
  }

  reset(variants: readonly string[], heldOut: 'validation' | 'test'): void {
    this.title = `${heldOut} accuracy per epoch, all variants`;
    (this.chart.options.scales!.y as { title: { text: string } }).title.text = `${heldOut} accuracy`;
    this.chart.data.labels = [];
    this.chart.data.datasets = comparisonDatasets(variants);
    this.chart.update();
    describe(this.chart, this.title);
  }

  add(m: EpochMetrics): void {
    const labels = this.chart.data.labels!;
    while (labels.length < m.epoch) labels.push(labels.length + 1);
    const dataset = this.chart.data.datasets.find((d) => (d as { variant?: string }).variant === m.variant);
    if (!dataset) return;
    dataset.data[m.epoch - 1] = m.validationAccuracy ?? m.testAccuracy;
    this.chart.update();
    describe(this.chart, this.title);
  }

}

/** Two kept runs over each other: every variant's held-out accuracy per epoch, the first run solid, the second dashed. */
export class RunComparisonChart {
  private readonly chart: Chart<'line', XY[]>;

  constructor(canvas: HTMLCanvasElement) {
    this.chart = new Chart<'line', XY[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        ...baseOptions,
        scales: { x: { type: 'linear', min: 0, title: { display: true, text: 'epoch' }, ticks: { precision: 0 } }, y: { ...accuracyAxis(), title: { display: true, text: 'held-out accuracy (validation, else test)' } } },
      },
    });
  }

  /** `runs`: a label and each variant's epochs, per run. */
  show(runs: readonly { label: string; variants: readonly { name: string; epochs: readonly EpochMetrics[] }[] }[]): void {
    this.chart.data.datasets = runs.flatMap((run, i) => run.variants.map((v) => ({
      ...line(`${DISPLAY_NAMES[v.name] ?? v.name} · ${run.label}`, variantColour(v.name), 'y', i > 0),
      data: v.epochs.map((m) => ({ x: m.epoch, y: m.validationAccuracy ?? m.testAccuracy })),
    })));
    this.chart.update();
    describe(this.chart, `held-out accuracy per epoch of ${runs.length} kept runs`);
  }
}

/** Final train / validation / test accuracy per variant, grouped bars like the study's results figure. */
export class SummaryChart {
  private readonly chart: Chart<'bar', (number | null)[], string>;

  constructor(canvas: HTMLCanvasElement) {
    this.chart = new Chart<'bar', (number | null)[], string>(canvas, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: { ...baseOptions, interaction: { mode: 'index', intersect: false }, scales: { y: { ...accuracyAxis(), beginAtZero: false } } },
    });
    describe(this.chart, 'final accuracy per variant');
  }

  show(rows: readonly Summary[]): void {
    const series = [['train', 'trainAccuracy', SPLIT_COLOURS.train], ['validation', 'validationAccuracy', SPLIT_COLOURS.validation], ['test', 'testAccuracy', SPLIT_COLOURS.test]] as const;
    this.chart.data.labels = rows.map((r) => DISPLAY_NAMES[r.variant] ?? r.variant);
    this.chart.data.datasets = series.map(([label, key, color]) => ({ label, data: rows.map((r) => r[key]), backgroundColor: color }));
    // Start the axis a little below the lowest bar: the differences are a few points, not tens.
    const values = rows.flatMap((r) => series.map(([, key]) => r[key])).filter((v): v is number => v !== null);
    (this.chart.options.scales!.y as { min?: number }).min = values.length ? Math.max(0, Math.floor(Math.min(...values) * 10 - 0.5) / 10) : 0;
    this.chart.update();
    describe(this.chart, 'final accuracy per variant');
  }

}
