/**
 * The report's figures, drawn with Chart.js in the page and returned as PNG (base64) at a fixed
 * pixel size: per-variant curves (accuracy and loss per epoch, side by side) and the summary bar
 * chart of final accuracies.
 */
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';

Chart.register(...registerables);

export interface Series {
  label: string;
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

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

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
function draw(config: ChartConfiguration, width: number, height: number, plugins: Plugin[] = []): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  document.body.append(canvas);
  const chart = new Chart(canvas, {
    ...config,
    options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
    plugins: [whiteBackground, ...plugins],
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

/** A series' line, preceded by its interval as a filled band (upper bound, then lower filled to it). */
function lineDatasets(s: Series, color: string) {
  const line = { label: s.label, data: s.values, borderColor: color, backgroundColor: color, pointRadius: 3 };
  if (!s.intervals?.some((x) => x !== null)) return [line];
  const bound = (k: 0 | 1) => s.intervals!.map((x) => (x === null ? null : x[k]));
  const edge = { borderWidth: 0, pointRadius: 0, backgroundColor: translucent(color) };
  return [
    { ...edge, label: `${BAND}${s.label} upper`, data: bound(1), fill: false },
    { ...edge, label: `${BAND}${s.label} lower`, data: bound(0), fill: '-1' as const },
    line,
  ];
}

function lineChart(title: string, epochs: number[], series: Series[], yTitle: string, xTitle = 'epoch'): ChartConfiguration {
  const banded = series.some((s) => s.intervals?.some((x) => x !== null));
  return {
    type: 'line',
    data: {
      labels: epochs.map(String),
      datasets: series.flatMap((s, i) => lineDatasets(s, COLORS[i % COLORS.length]!)),
    },
    options: {
      plugins: {
        title: { display: true, text: banded ? `${title} (bands: 95% interval)` : title },
        legend: { labels: { filter: (item) => !item.text.startsWith(BAND) } },
      },
      scales: { x: { title: { display: true, text: xTitle } }, y: { title: { display: true, text: yTitle } } },
    },
  };
}

/** Whiskers for bar charts: each bar's 95% interval, from the dataset's `intervals`. */
function errorBars(intervals: (([number, number] | null)[] | undefined)[]): Plugin {
  return {
    id: 'errorBars',
    afterDatasetsDraw: (chart) => {
      const { ctx } = chart;
      const y = chart.scales.y!;
      ctx.save();
      ctx.strokeStyle = '#111827';
      ctx.lineWidth = 1.5;
      intervals.forEach((perBar, i) => chart.getDatasetMeta(i).data.forEach((bar, j) => {
        const interval = perBar?.[j];
        if (!interval) return;
        const [top, bottom] = [y.getPixelForValue(interval[1]), y.getPixelForValue(interval[0])];
        ctx.beginPath();
        ctx.moveTo(bar.x, top);
        ctx.lineTo(bar.x, bottom);
        for (const at of [top, bottom]) {
          ctx.moveTo(bar.x - 5, at);
          ctx.lineTo(bar.x + 5, at);
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

function curves(figure: CurvesFigure): string {
  const accuracy = draw(lineChart(`${figure.title}: accuracy`, figure.epochs, figure.accuracy, 'accuracy (%)', figure.xTitle), PANEL.width, PANEL.height);
  const loss = draw(lineChart(`${figure.title}: loss`, figure.epochs, figure.loss, 'cross-entropy loss', figure.xTitle), PANEL.width, PANEL.height);
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
      datasets: figure.bars.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: COLORS[i % COLORS.length] })),
    },
    options: {
      plugins: { title: { display: true, text: whiskers ? `${figure.title} (whiskers: 95% interval over seeds)` : figure.title } },
      scales: { y: { title: { display: true, text: 'accuracy (%)' } } },
    },
  }, SUMMARY_SIZE.width, SUMMARY_SIZE.height, [errorBars(figure.bars.map((s) => s.intervals))]));
}

/** Every figure as base64 PNG, by file name. */
export function renderFigures(request: FigureRequest): Record<string, string> {
  const files: Record<string, string> = {};
  for (const figure of request.curves) files[figure.file] = curves(figure);
  if (request.summary) files[request.summary.file] = summary(request.summary);
  return files;
}
