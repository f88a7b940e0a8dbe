/**
 * The CLI's figures as Chart.js configurations, without a browser: each variant keeps the demo
 * page's colour, and a one-epoch study's curves are labelled markers in the middle of the axis
 * (tests/study.test.ts renders the PNGs themselves).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import type { Chart, ChartConfiguration, Plugin } from 'chart.js';
import { curvesCharts, loneRange, valueLabels, type Series } from '../cli/page/figures.ts';
import { figureRequest } from '../cli/report/charts.ts';
import { sweepFigure } from '../cli/report/sweep.ts';
import type { StudyResults } from '../cli/study-results.ts';
import { comparisonDatasets } from '../demo/charts.ts';
import { VARIANT_NAMES } from '../src/model/variants.ts';
import { SPLIT_COLOURS, VARIANT_COLOURS } from '../src/study/colours.ts';
import { analyzeSweep } from '../src/study/sweep.ts';

const test = suite('figures');

/** The study this repository records (5 epochs × 3 seeds, every variant), and its first epoch alone. */
const fiveEpochs = JSON.parse(readFileSync('docs/study-fashion-5x3/results.json', 'utf8')) as StudyResults;
const oneEpoch: StudyResults = {
  ...fiveEpochs,
  config: { ...fiveEpochs.config, epochs: 1 },
  runs: fiveEpochs.runs.map((r) => ({ ...r, epochs: r.epochs.slice(0, 1) })),
};

type Dataset = { label: string; borderColor?: string; pointRadius?: number; pointStyle?: string; borderDash?: number[]; data: (number | null)[] };
const datasets = (c: ChartConfiguration) => c.data.datasets as unknown as Dataset[];
const pluginIds = (c: ChartConfiguration) => (c.plugins ?? []).map((p) => p.id);
const xScale = (c: ChartConfiguration) => (c.options!.scales as Record<string, { offset?: boolean; suggestedMin?: number; suggestedMax?: number }>).x!;
const yScale = (c: ChartConfiguration) => (c.options!.scales as Record<string, { suggestedMin?: number; suggestedMax?: number }>).y!;

test('every variant has its own colour, the same in the demo page and in the CLI\'s curves and sweep figures', () => {
  const colours = VARIANT_NAMES.map((v) => VARIANT_COLOURS[v]);
  assert.is(new Set(colours).size, VARIANT_NAMES.length, 'four distinct colours');
  const page = comparisonDatasets(VARIANT_NAMES);
  const request = figureRequest(fiveEpochs);
  VARIANT_NAMES.forEach((v, i) => {
    assert.is(page[i]!.borderColor, VARIANT_COLOURS[v], `the page's comparison line for ${v}`);
    const figure = request.curves.find((c) => c.file === `curves-${v}.png`)!;
    for (const s of [...figure.accuracy, ...figure.loss]) assert.is(s.colour, page[i]!.borderColor, `curves-${v}.png: ${s.label}`);
    // And the colour reaches the drawn lines (the page code only applies what the request says).
    for (const config of curvesCharts(figure)) {
      for (const d of datasets(config).filter((d) => !d.label.startsWith('band:'))) assert.is(d.borderColor, VARIANT_COLOURS[v]);
    }
  });
  const sweep = sweepFigure(analyzeSweep('dropout', [0.1, 0.5].map((strength) => ({ strength, testAccuracies: [0.85, 0.86], validationAccuracies: [0.85, 0.86], testImages: 10_000 }))));
  for (const s of sweep.accuracy) assert.is(s.colour, VARIANT_COLOURS.dropout);
});

test('the summary bars take the page\'s split colours, and the splits are told apart by dash and marker in the curves', () => {
  const bars = figureRequest(fiveEpochs).summary!.bars;
  assert.equal(bars.map((b) => [b.label, b.colour]), [['train', SPLIT_COLOURS.train], ['validation', SPLIT_COLOURS.validation], ['test', SPLIT_COLOURS.test]]);
  const [accuracy] = curvesCharts(figureRequest(fiveEpochs).curves[0]!);
  const lines = datasets(accuracy).filter((d) => !d.label.startsWith('band:'));
  assert.equal(lines.map((d) => [d.label, d.pointStyle, d.borderDash]), [['train', 'circle', []], ['validation', 'triangle', [6, 4]], ['test', 'rect', [2, 3]]]);
});

test('a one-epoch study\'s curves are labelled markers centred on epoch 1, with whiskers and an axis that holds them', () => {
  for (const figure of figureRequest(oneEpoch).curves) {
    assert.equal(figure.epochs, [1]);
    for (const config of curvesCharts(figure)) {
      assert.equal(config.data.labels, ['1']);
      assert.is(xScale(config).offset, true, 'the lone epoch is in the middle of the x axis, not on its left edge');
      const lines = datasets(config);
      assert.equal(lines.map((d) => d.label), ['train', 'validation', 'test'], 'no bands: one point has no width to fill');
      for (const d of lines) assert.ok(d.pointRadius! >= 6, `${d.label}: a marker, not a dot (radius ${d.pointRadius})`);
      assert.equal(pluginIds(config), ['errorBars', 'valueLabels']);
      assert.match(String((config.options!.plugins!.title as { text: string }).text), /whiskers: 95% interval/);
      const { suggestedMin, suggestedMax } = yScale(config);
      for (const d of lines) assert.ok(d.data[0]! > suggestedMin! && d.data[0]! < suggestedMax!, `${d.label} ${d.data[0]} is inside the axis, off its edges`);
    }
    const [accuracy] = curvesCharts(figure);
    assert.ok(yScale(accuracy).suggestedMin! >= 0 && yScale(accuracy).suggestedMax! <= 100, 'accuracy stays within 0–100%');
  }
});

test('curves over several epochs keep their lines and bands, unlabelled', () => {
  const [accuracy] = curvesCharts(figureRequest(fiveEpochs).curves[0]!);
  assert.is(xScale(accuracy).offset, false);
  assert.ok(datasets(accuracy).some((d) => d.label.startsWith('band:')), '95% bands over the three seeds');
  assert.equal(pluginIds(accuracy), []);
  assert.equal(yScale(accuracy).suggestedMin, undefined, 'Chart.js fits the axis itself');
});

test('loneRange spans values and intervals with 15% to spare, within the limits', () => {
  const s = (values: number[], intervals?: [number, number][]): Series => ({ label: 'test', split: 'test', colour: '#000000', values, ...(intervals ? { intervals } : {}) });
  assert.equal(loneRange([s([40]), s([60])]), { suggestedMin: 37, suggestedMax: 63 });
  assert.equal(loneRange([s([50], [[10, 99]])], [0, 100]), { suggestedMin: 0, suggestedMax: 100 });
  assert.equal(loneRange([s([2])]), { suggestedMin: 1.7, suggestedMax: 2.3 }, 'one value: 15% of itself');
  assert.equal(loneRange([]), {});
});

test('value labels print each point\'s value in its colour, pushed apart when the points nearly coincide', () => {
  const texts: { text: string; y: number; colour: string }[] = [];
  const ctx = {
    fillStyle: '', font: '', textAlign: '', textBaseline: '', save() {}, restore() {},
    fillText(text: string, _x: number, y: number) { texts.push({ text, y, colour: this.fillStyle }); },
  };
  const chart = {
    ctx,
    data: { datasets: [
      { label: 'train', data: [0.352], borderColor: '#4e79a7' },
      { label: 'validation', data: [0.355], borderColor: '#4e79a7' },
      { label: 'test', data: [null], borderColor: '#4e79a7' },
    ] },
    getDatasetMeta: (i: number) => ({ data: [{ x: 300, y: [200, 195, 100][i] }] }),
  } as unknown as Chart;
  (valueLabels((v) => v.toFixed(3)) as Required<Plugin>).afterDatasetsDraw(chart, {} as never, {}, false as never);
  assert.equal(texts, [{ text: 'validation 0.355', y: 195, colour: '#4e79a7' }, { text: 'train 0.352', y: 211, colour: '#4e79a7' }]);
});

test.run();
