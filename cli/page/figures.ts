/**
 * The report's figures, drawn with Chart.js in the page and returned as PNG (base64) at a fixed
 * pixel size: per-variant curves (accuracy and loss per epoch, side by side) and the summary bar
 * chart of final accuracies. Colours come with the request; a curve of one x position (a
 * one-epoch study) is drawn as labelled markers in the middle of the axis, not a dot at its edge.
 */
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import type { Split } from '../../src/study/colours.ts';

Chart.register(...registerables);

export interface Series {
  label: string;
  /** The split it shows: its line's dash and marker (train solid ●, validation dashed ▲, test dotted ■). */
  split: Split;
  /** Its colour (src/study/colours.ts: the variant's in curves, the split's in the summary bars). */
  colour: string;
  /** One value per x position; null leaves a gap. */
  values: (number | null)[];
  /** A 95% interval per x position (several seeds), drawn as a band or error bars; null where none. */
  intervals?: ([number, number] | null)[];
}

export interface CurvesFigure {
  file: string;
  title: string;
  /** The x positions: epochs, or a sweep's strengths (then `xTitle` names them). */
  epochs: number[];
  xTitle?: string;
  /** Accuracy in %. */
  accuracy: Series[];
  loss: Series[];
}

export interface SummaryFigure {
  file: string;
  title: string;
  variants: string[];
  /** One series per split, accuracy in %. */
  bars: Series[];
}

export interface FigureRequest {
  curves: CurvesFigure[];
  summary?: SummaryFigure;
}

/** Every figure's size in pixels; the curves figure is two panels of PANEL size side by side. */
const PANEL = { width: 600, height: 420 } as const;
export const CURVES_SIZE = { width: 2 * PANEL.width, height: PANEL.height } as const;
export const SUMMARY_SIZE = { width: 900, height: 450 } as const;

// Canvases are transparent by default; a white page keeps the PNGs readable on dark themes.
const whiteBackground: Plugin = {
  id: 'whiteBackground',
  beforeDraw: (chart) => {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Draw one chart on a fresh canvas of exactly width × height pixels, synchronously. */
function draw(config: ChartConfiguration, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  document.body.append(canvas);
  const chart = new Chart(canvas, {
    ...config,
    options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
    plugins: [whiteBackground, ...(config.plugins ?? [])],
  });
  // destroy() clears the canvas, so keep a copy of the pixels.
  const copy = document.createElement('canvas');
  copy.width = width;
  copy.height = height;
  copy.getContext('2d')!.drawImage(canvas, 0, 0);
  chart.destroy();
  canvas.remove();
  return copy;
}

/** A colour at 20% opacity, for interval bands. */
const translucent = (hex: string): string => `${hex}33`;
/** Datasets that only draw a band carry this label prefix; the legend leaves them out. */
const BAND = 'band:';

const SPLIT_STYLE: Record<Split, { borderDash: number[]; pointStyle: 'circle' | 'triangle' | 'rect' }> = {
  train: { borderDash: [], pointStyle: 'circle' },
  validation: { borderDash: [6, 4], pointStyle: 'triangle' },
  test: { borderDash: [2, 3], pointStyle: 'rect' },
};

/** A series' line, preceded by its interval as a filled band (upper bound, then lower filled to it) unless `single`. */
function lineDatasets(s: Series, single: boolean) {
  const line = { label: s.label, data: s.values, borderColor: s.colour, backgroundColor: s.colour, ...SPLIT_STYLE[s.split], pointRadius: single ? 7 : 3 };
  // One point makes no band: its interval is drawn as a whisker instead (errorBars).
  if (single || !s.intervals?.some((x) => x !== null)) return [line];
  const bound = (k: 0 | 1) => s.intervals!.map((x) => (x === null ? null : x[k]));
  const edge = { borderWidth: 0, pointRadius: 0, backgroundColor: translucent(s.colour) };
  return [
    { ...edge, label: `${BAND}${s.label} upper`, data: bound(1), fill: false },
    { ...edge, label: `${BAND}${s.label} lower`, data: bound(0), fill: '-1' as const },
    line,
  ];
}

/** Each point's value written beside it in its series' colour ("test 86.16%"), no two overlapping. */
export function valueLabels(format: (v: number) => string): Plugin {
  const LINE = 16;
  return {
    id: 'valueLabels',
    afterDatasetsDraw: (chart) => {
      const labels = chart.data.datasets.flatMap((dataset, i) => chart.getDatasetMeta(i).data.flatMap((point, j) => {
        const value = dataset.data[j];
        return typeof value === 'number' ? [{ x: point.x + 14, y: point.y, text: `${dataset.label} ${format(value)}`, colour: String(dataset.borderColor) }] : [];
      })).sort((a, b) => a.y - b.y);
      // Close values would print on top of each other: push each label at least a line below the last.
      labels.forEach((label, k) => { if (k > 0) label.y = Math.max(label.y, labels[k - 1]!.y + LINE); });
      const { ctx } = chart;
      ctx.save();
      ctx.font = '14px sans-serif';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      for (const label of labels) {
        ctx.fillStyle = label.colour;
        ctx.fillText(label.text, label.x, label.y);
      }
      ctx.restore();
    },
  };
}

export interface LineChart {
  title: string;
  epochs: number[];
  series: Series[];
  yTitle: string;
  xTitle?: string;
  /** How a lone point's value label prints its value. */
  format: (v: number) => string;
  /** The values' possible range (accuracy: 0 to 100), which a lone point's axis stays within. */
  limits?: [number, number];
}

export function lineChart({ title, epochs, series, yTitle, xTitle = 'epoch', format, limits }: LineChart): ChartConfiguration {
  const intervals = series.some((s) => s.intervals?.some((x) => x !== null));
  const single = epochs.length === 1;
  return {
    type: 'line',
    data: { labels: epochs.map(String), datasets: series.flatMap((s) => lineDatasets(s, single)) },
    options: {
      plugins: {
        title: { display: true, text: intervals ? `${title} (${single ? 'whiskers' : 'bands'}: 95% interval)` : title },
        legend: { labels: { usePointStyle: true, filter: (item) => !item.text.startsWith(BAND) } },
      },
      scales: {
        // offset centres a lone x position (Chart.js puts a line chart's first label on the left edge).
        x: { offset: single, title: { display: true, text: xTitle } },
        y: { title: { display: true, text: yTitle }, ...(single ? loneRange(series, limits) : {}) },
      },
    },
    // The whiskers go left of the markers, one column per series, drawn like its line; the labels go right.
    plugins: single
      ? [errorBars(series.map((s) => s.intervals), (i) => ({ shift: -16 - 10 * i, colour: series[i]!.colour, dash: SPLIT_STYLE[series[i]!.split].borderDash })), valueLabels(format)]
      : [],
  };
}

/**
 * A lone point's y range: its values and whiskers with 15% to spare, so markers and labels stay
 * off the edges (Chart.js fits the axis to the values alone), within `limits`.
 */
export function loneRange(series: Series[], limits: [number, number] = [-Infinity, Infinity]): { suggestedMin?: number; suggestedMax?: number } {
  const values = series.flatMap((s) => [...s.values, ...(s.intervals ?? []).flatMap((x) => x ?? [])]).filter((v) => v !== null);
  if (!values.length) return {};
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const spare = 0.15 * (hi - lo || Math.abs(hi) || 1);
  return { suggestedMin: Math.max(limits[0], lo - spare), suggestedMax: Math.min(limits[1], hi + spare) };
}

interface WhiskerStyle { shift: number; colour: string; dash: number[] }
const DARK: WhiskerStyle = { shift: 0, colour: '#111827', dash: [] };

/**
 * Whiskers: each bar's (or lone point's) 95% interval, from the dataset's `intervals`, dark unless
 * `style(i)` says otherwise; its shift moves dataset i's sideways, so lone points (which share one
 * x) keep theirs apart.
 */
function errorBars(intervals: (([number, number] | null)[] | undefined)[], style = (_i: number): WhiskerStyle => DARK): Plugin {
  return {
    id: 'errorBars',
    afterDatasetsDraw: (chart) => {
      const { ctx } = chart;
      const y = chart.scales.y!;
      ctx.save();
      ctx.lineWidth = 1.5;
      intervals.forEach((perBar, i) => chart.getDatasetMeta(i).data.forEach((bar, j) => {
        const interval = perBar?.[j];
        if (!interval) return;
        const [top, bottom] = [y.getPixelForValue(interval[1]), y.getPixelForValue(interval[0])];
        const { shift, colour, dash } = style(i);
        const x = bar.x + shift;
        ctx.strokeStyle = colour;
        ctx.setLineDash(dash);
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, bottom);
        for (const at of [top, bottom]) {
          ctx.moveTo(x - 5, at);
          ctx.lineTo(x + 5, at);
        }
        ctx.stroke();
      }));
      ctx.restore();
    },
  };
}

function png(canvas: HTMLCanvasElement): string {
  return canvas.toDataURL('image/png').slice('data:image/png;base64,'.length);
}

/** A curves figure's two panels: accuracy, then loss. */
export function curvesCharts(figure: CurvesFigure): [ChartConfiguration, ChartConfiguration] {
  const common = { epochs: figure.epochs, ...(figure.xTitle ? { xTitle: figure.xTitle } : {}) };
  return [
    lineChart({ ...common, title: `${figure.title}: accuracy`, series: figure.accuracy, yTitle: 'accuracy (%)', format: (v) => `${v.toFixed(2)}%`, limits: [0, 100] }),
    lineChart({ ...common, title: `${figure.title}: loss`, series: figure.loss, yTitle: 'cross-entropy loss', format: (v) => v.toFixed(3), limits: [0, Infinity] }),
  ];
}

function curves(figure: CurvesFigure): string {
  const [accuracy, loss] = curvesCharts(figure).map((config) => draw(config, PANEL.width, PANEL.height));
  const canvas = document.createElement('canvas');
  canvas.width = CURVES_SIZE.width;
  canvas.height = CURVES_SIZE.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(accuracy, 0, 0);
  ctx.drawImage(loss, PANEL.width, 0);
  return png(canvas);
}

function summary(figure: SummaryFigure): string {
  const whiskers = figure.bars.some((s) => s.intervals?.some((x) => x !== null));
  return png(draw({
    type: 'bar',
    data: {
      labels: figure.variants,
      datasets: figure.bars.map((s) => ({ label: s.label, data: s.values, backgroundColor: s.colour })),
    },
    options: {
      plugins: { title: { display: true, text: whiskers ? `${figure.title} (whiskers: 95% interval over seeds)` : figure.title } },
      scales: { y: { title: { display: true, text: 'accuracy (%)' } } },
    },
    plugins: [errorBars(figure.bars.map((s) => s.intervals))],
  }, SUMMARY_SIZE.width, SUMMARY_SIZE.height));
}

/** Every figure as base64 PNG, by file name. */
export function renderFigures(request: FigureRequest): Record<string, string> {
  const files: Record<string, string> = {};
  for (const figure of request.curves) files[figure.file] = curves(figure);
  if (request.summary) files[request.summary.file] = summary(request.summary);
  return files;
}
