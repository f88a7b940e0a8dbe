/** The test-predictions section: pick a variant, see its confusion matrix and test images with labels. */
import type { Dataset } from '../src/data/dataset.ts';
import { DISPLAY_NAMES } from '../src/study/claims.ts';
import { byId, h } from './dom.ts';
import { confusionMatrix, confusionTable, predictionGrid } from './inspect.ts';

const GRID_IMAGES = 48;

export interface Predictor {
  predictTest(): Promise<Uint32Array>;
}

export class PredictionsView {
  private readonly section = byId('inspect');
  private readonly select = byId<HTMLSelectElement>('inspect-variant');
  private readonly mistakes = byId<HTMLInputElement>('mistakes-only');
  private readonly status = byId('inspect-status');
  private predictors = new Map<string, Predictor>();
  private dataset: Dataset | null = null;
  private predictions: Uint32Array | null = null;
  private ticket = 0;

  constructor() {
    this.select.addEventListener('change', () => void this.predict());
    this.mistakes.addEventListener('change', () => this.drawGrid());
  }

  hide(): void {
    this.ticket++;
    this.section.hidden = true;
  }

  /** Offer these variants (best first), and show the first one's predictions. */
  async show(predictors: Map<string, Predictor>, dataset: Dataset): Promise<void> {
    this.predictors = predictors;
    this.dataset = dataset;
    this.select.replaceChildren(...[...predictors.keys()].map((name) => h('option', { value: name }, DISPLAY_NAMES[name] ?? name)));
    this.section.hidden = predictors.size === 0;
    if (predictors.size) await this.predict();
  }

  /** The GPU is gone: predictions cannot be computed any more. */
  unavailable(reason: string): void {
    this.ticket++;
    this.section.hidden = false;
    this.select.replaceChildren();
    byId('confusion').replaceChildren();
    byId('test-grid').replaceChildren();
    this.status.textContent = reason;
  }

  private async predict(): Promise<void> {
    const ticket = ++this.ticket;
    const name = this.select.value;
    const label = DISPLAY_NAMES[name] ?? name;
    this.status.textContent = `Predicting the test images with ${label}…`;
    try {
      const predictions = await this.predictors.get(name)!.predictTest();
      if (ticket !== this.ticket) return;
      this.predictions = predictions;
      const test = this.dataset!.test;
      const counts = confusionMatrix(test.labels, predictions, this.dataset!.classNames.length);
      const correct = counts.reduce((sum, row, i) => sum + row[i]!, 0);
      this.status.textContent = `${label}: ${correct} of ${predictions.length} test images right (${((100 * correct) / predictions.length).toFixed(2)}%), with the weights as they are now.`;
      byId('confusion').replaceChildren(confusionTable(counts, this.dataset!.classNames));
      this.drawGrid();
    } catch (error) {
      if (ticket === this.ticket) this.status.textContent = `Could not predict with ${label}: ${(error as Error).message}`;
    }
  }

  private drawGrid(): void {
    if (!this.predictions || !this.dataset) return;
    byId('test-grid').replaceChildren(...predictionGrid(this.dataset.test, this.predictions, this.dataset.classNames, GRID_IMAGES, this.mistakes.checked));
  }
}
