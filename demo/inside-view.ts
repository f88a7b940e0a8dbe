/**
 * The "Look inside" section: a table of every variant's L2 norms per weight layer; then for each
 * trained variant conv1's six filters, each weight layer's histogram on bins shared by all
 * variants (weight decay's narrower spread shows) with its L2 norm, and every layer's
 * activations for a test image the user picks. Weights and activations come from the trainers
 * (TrainingWorker.parameters / activations); each variant's pictures and each chart are drawn in
 * a task of their own, so the page never stalls.
 */
import type { Chart } from 'chart.js';
import type { Dataset } from '../src/data/dataset.ts';
import { DISPLAY_NAMES } from '../src/study/claims.ts';
import { variantColour } from '../src/study/colours.ts';
import type { LayerActivation, ModelTensor } from '../src/train/types.ts';
import { byId, h, nextTask } from './dom.ts';
import { activationFigure, filterImages } from './inside-draw.ts';
import { histogram, l2Norm, maxAbs, WEIGHT_LAYERS } from './inside-stats.ts';
import { imageCanvas } from './images.ts';
import { histogramChart } from './weight-histogram.ts';

const BINS = 24;

export interface Inspectable {
  parameters(): Promise<ModelTensor[]>;
  activations(pixels: Uint8Array): Promise<LayerActivation[]>;
}

/** Each variant's block: where its activations go when another image is picked. */
interface Shown {
  model: Inspectable;
  activations: HTMLElement;
}

export class InsideView {
  private readonly section = byId('inside');
  private readonly select = byId<HTMLSelectElement>('inside-image');
  private readonly status = byId('inside-status');
  private readonly variants = byId('inside-variants');
  private readonly picked = byId('inside-picked');
  private shown = new Map<string, Shown>();
  private charts: Chart[] = [];
  private dataset: Dataset | null = null;
  private ticket = 0;

  constructor() {
    this.select.addEventListener('change', () => void this.drawActivations(this.ticket));
  }

  hide(): void {
    this.ticket++;
    this.section.hidden = true;
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    this.shown.clear();
    this.variants.replaceChildren();
    this.picked.replaceChildren();
  }

  /** Show these models' insides (in the study's variant order), then the first test image's activations. */
  async show(models: ReadonlyMap<string, Inspectable>, dataset: Dataset): Promise<void> {
    this.hide();
    const ticket = this.ticket;
    if (models.size === 0) return;
    this.dataset = dataset;
    this.section.hidden = false;
    this.select.replaceChildren(...testChoices(dataset).map(({ index, label }) => h('option', { value: index }, label)));
    this.status.textContent = 'Reading the weights…';
    try {
      const tensors = new Map<string, ModelTensor[]>();
      for (const [name, model] of models) tensors.set(name, await model.parameters());
      if (ticket !== this.ticket) return;
      // One range per layer for every variant: the same bins, so spreads compare across variants.
      const ranges = new Map(WEIGHT_LAYERS.map((layer) => [layer,
        Math.max(...[...tensors.values()].map((ts) => maxAbs(ts.find((t) => t.name === `${layer}.weight`)!.data)))]));
      this.variants.append(normsTable(tensors));
      for (const [name, model] of models) {
        if (!await this.drawVariant(ticket, name, model, tensors.get(name)!, ranges)) return;
      }
      this.status.textContent = 'Weights as the run left them. Activations in eval mode (dropout off, batch norm with its running statistics).';
      await this.drawActivations(ticket);
    } catch (error) {
      if (ticket === this.ticket) this.status.textContent = `Could not look inside: ${(error as Error).message}`;
    }
  }

  /**
   * One variant's block: its filters in one task, then each weight histogram in a task of its own.
   * False when a newer show() or hide() took over meanwhile.
   */
  private async drawVariant(ticket: number, name: string, model: Inspectable, tensors: ModelTensor[], ranges: ReadonlyMap<string, number>): Promise<boolean> {
    const weightsOf = (layer: string) => tensors.find((t) => t.name === `${layer}.weight`)!;
    await nextTask();
    if (ticket !== this.ticket) return false;
    const histograms = h('div', { className: 'histograms', 'data-testid': 'weight-histograms' });
    const activations = h('div', { className: 'activations', 'data-testid': 'activations' });
    this.variants.append(h('article', { className: 'inside-card', 'data-variant': name, style: `border-left-color:${variantColour(name)}` },
      h('h3', {}, DISPLAY_NAMES[name] ?? name),
      h('p', { className: 'note' }, 'conv1’s six 5×5 filters (one grey scale for all six: mid grey 0, white +, black −)'),
      h('div', { className: 'filters', 'data-testid': 'filters' }, ...filterImages(weightsOf('conv1'))),
      h('p', { className: 'note' }, `Weights per layer: share of the weights in ${BINS} bins over ± the largest |w| of any variant; ‖w‖₂ is the layer’s L2 norm`),
      histograms, activations));
    this.shown.set(name, { model, activations });
    for (const layer of WEIGHT_LAYERS) {
      await nextTask();
      if (ticket !== this.ticket) return false;
      const values = weightsOf(layer).data;
      const canvas = h('canvas', { role: 'img' });
      const l2 = l2Norm(values);
      histograms.append(h('figure', { className: 'chart histogram' }, h('div', { className: 'plot' }, canvas), h('figcaption', {}, `${layer} · ‖w‖₂ ${l2.toFixed(3)}`)));
      this.charts.push(histogramChart(canvas, layer, histogram(values, ranges.get(layer)!, BINS), l2, variantColour(name)));
    }
    return true;
  }

  /** Every shown variant's activations for the picked test image, a variant per task. */
  private async drawActivations(ticket: number): Promise<void> {
    const dataset = this.dataset;
    if (!dataset || ticket !== this.ticket) return;
    const index = Number(this.select.value);
    const pixels = dataset.test.images.slice(index * 784, (index + 1) * 784);
    this.picked.replaceChildren(h('figure', { className: 'sample' }, imageCanvas(dataset.test, index), h('figcaption', {}, `test image ${index}: ${dataset.classNames[dataset.test.labels[index]!]}`)));
    try {
      for (const { model, activations } of this.shown.values()) {
        const layers = await model.activations(pixels);
        // A layer per task: a variant's maps all at once took over 100 ms on a loaded CPU.
        const figures = [];
        for (const layer of layers) {
          await nextTask();
          if (ticket !== this.ticket || Number(this.select.value) !== index) return;
          figures.push(activationFigure(layer, dataset.classNames));
        }
        activations.replaceChildren(...figures);
        activations.dataset.image = String(index);
      }
    } catch (error) {
      if (ticket === this.ticket) this.status.textContent = `Could not compute the activations: ${(error as Error).message}`;
    }
  }
}

/** Each variant's L2 norm per weight layer, and of all its weights together, one row per variant. */
function normsTable(tensors: ReadonlyMap<string, ModelTensor[]>): HTMLElement {
  const head = h('tr', {}, h('th', { scope: 'col' }, '‖w‖₂'), ...WEIGHT_LAYERS.map((l) => h('th', { scope: 'col' }, l)), h('th', { scope: 'col' }, 'all'));
  const rows = [...tensors].map(([name, ts]) => {
    const norms = WEIGHT_LAYERS.map((layer) => l2Norm(ts.find((t) => t.name === `${layer}.weight`)!.data));
    const all = Math.sqrt(norms.reduce((sum, n) => sum + n * n, 0));
    return h('tr', { 'data-variant': name }, h('th', { scope: 'row' }, DISPLAY_NAMES[name] ?? name), ...[...norms, all].map((n) => h('td', {}, n.toFixed(3))));
  });
  return h('div', { className: 'scroll' }, h('table', { 'data-testid': 'l2-norms' }, h('thead', {}, head), h('tbody', {}, ...rows)));
}

/** The first test image of each class, as the choices of the picker. */
function testChoices(dataset: Dataset): { index: number; label: string }[] {
  return dataset.classNames.flatMap((name, label) => {
    const index = dataset.test.labels.indexOf(label);
    return index < 0 ? [] : [{ index, label: `${name} (test image ${index})` }];
  });
}
