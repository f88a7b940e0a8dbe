/**
 * The "try it yourself" section: the drawing pad (./draw-pad.ts), the drawing framed as the
 * dataset frames its images (./draw-frame.ts), and every finished variant's class probabilities
 * for it (./draw-probabilities.ts), live as the user draws. Each variant has at most one prediction in flight:
 * while the worker answers, strokes only mark the drawing newer, and the next request takes the
 * drawing as it is then — so drawing never waits, and no variant falls behind by a queue.
 */
import type { Dataset, DatasetName } from '../src/data/dataset.ts';
import { DISPLAY_NAMES } from '../src/study/claims.ts';
import type { LayerActivation } from '../src/train/types.ts';
import { variantColour } from '../src/study/colours.ts';
import { byId, h } from './dom.ts';
import { FRAME, frameInk } from './draw-frame.ts';
import { DrawPad } from './draw-pad.ts';
import { classProbabilities } from './draw-probabilities.ts';

export interface DrawPredictor {
  activations(pixels: Uint8Array): Promise<LayerActivation[]>;
}

interface Row {
  predictor: DrawPredictor;
  /** The drawing version last sent (or cleared for). */
  version: number;
  busy: boolean;
  guess: HTMLTableCellElement;
  probabilities: HTMLTableCellElement[];
}

export class DrawView {
  private readonly section = byId('draw');
  private readonly status = byId('draw-status');
  private readonly preview = byId<HTMLCanvasElement>('draw-input');
  private readonly file = byId<HTMLInputElement>('draw-file');
  private readonly table = byId('draw-predictions');
  private readonly pad = new DrawPad(byId<HTMLCanvasElement>('draw-pad'), { changed: () => this.changed(), dropped: (f) => void this.picture(f) });
  private rows = new Map<string, Row>();
  private dataset: Dataset | null = null;
  /** Bumped by every change of the drawing. */
  private version = 0;
  private framed: { version: number; pixels: Uint8Array | null } = { version: -1, pixels: null };
  /** Bumped by show and hide: answers for an earlier set of trainers are dropped. */
  private session = 0;

  constructor() {
    byId('draw-clear').addEventListener('click', () => this.pad.clear());
    this.file.addEventListener('change', () => {
      const picked = this.file.files?.[0];
      if (picked) void this.picture(picked);
    });
  }

  /** Offer these variants' predictions (best first) on `dataset`'s framing and class names. */
  show(predictors: ReadonlyMap<string, DrawPredictor>, dataset: Dataset): void {
    this.session++;
    this.dataset = dataset;
    this.section.hidden = predictors.size === 0;
    const head = h('tr', {}, h('th', { scope: 'col' }, 'variant'), h('th', { scope: 'col' }, 'guess'),
      // MNIST's class names are their numbers: no need to say them twice.
      ...dataset.classNames.map((name, i) => h('th', { scope: 'col', className: 'class-name' }, name === String(i) ? name : `${i} ${name}`)));
    this.rows = new Map();
    const body = [...predictors].map(([name, predictor]) => {
      const guess = h('td', { className: 'guess' }, '–');
      const probabilities = dataset.classNames.map(() => h('td', { className: 'probability' }));
      this.rows.set(name, { predictor, version: -1, busy: false, guess, probabilities });
      return h('tr', { 'data-variant': name, style: `--colour:${variantColour(name)}` }, h('th', { scope: 'row' },
        h('span', { className: 'swatch', 'aria-hidden': 'true' }), DISPLAY_NAMES[name] ?? name), guess, ...probabilities);
    });
    this.table.replaceChildren(h('thead', {}, head), h('tbody', {}, ...body));
    this.say(`Draw a ${dataset.name === 'mnist' ? 'digit' : 'garment, shoe or bag'}, or drop a picture on the pad.`);
    this.framed = { version: -1, pixels: null };
    this.pump();
  }

  hide(): void {
    this.session++;
    this.rows = new Map();
    this.section.hidden = true;
  }

  /** The GPU is gone: nothing can be predicted any more. */
  unavailable(reason: string): void {
    this.hide();
    this.section.hidden = false;
    this.table.replaceChildren();
    this.say(reason);
  }

  private say(text: string): void {
    this.status.textContent = text;
  }

  private async picture(file: File): Promise<void> {
    try {
      await this.pad.showImage(file);
      this.say(`${file.name}, framed as the dataset frames its images.`);
    } catch (error) {
      this.say(`Could not read ${file.name} as a picture: ${(error as Error).message || 'not an image this browser decodes'}.`);
    }
  }

  private changed(): void {
    this.version++;
    this.pump();
  }

  /** The drawing now, framed (once per version) and shown as the networks see it; null when blank. */
  private frame(): Uint8Array | null {
    if (this.framed.version === this.version) return this.framed.pixels;
    const pixels = frameInk(this.pad.ink(), this.dataset!.name as DatasetName);
    this.framed = { version: this.version, pixels };
    const image = new ImageData(FRAME, FRAME);
    // Dark ink on white, as the dataset's samples are shown.
    for (let p = 0; p < FRAME * FRAME; p++) {
      const v = 255 - (pixels?.[p] ?? 0);
      image.data.set([v, v, v, 255], 4 * p);
    }
    this.preview.getContext('2d')!.putImageData(image, 0, 0);
    return pixels;
  }

  /** Send the current drawing to every variant that is idle and has not seen it. */
  private pump(): void {
    if (!this.dataset || this.section.hidden) return;
    const session = this.session;
    for (const [name, row] of this.rows) {
      if (row.busy || row.version === this.version) continue;
      row.version = this.version;
      const pixels = this.frame();
      if (!pixels) {
        this.render(row, null);
        continue;
      }
      row.busy = true;
      row.predictor.activations(pixels).then(
        (layers) => session === this.session && this.render(row, classProbabilities(layers)),
        (error) => session === this.session && this.say(`Could not predict with ${DISPLAY_NAMES[name] ?? name}: ${(error as Error).message}`),
      ).finally(() => {
        row.busy = false;
        if (session === this.session) this.pump();
      });
    }
    // Busy until every variant has answered for the drawing as it is.
    this.table.setAttribute('aria-busy', String([...this.rows.values()].some((r) => r.busy)));
  }

  /** One variant's probabilities (null: a blank pad) in its row; the top class named. */
  private render(row: Row, probabilities: number[] | null): void {
    const names = this.dataset!.classNames;
    const top = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
    row.guess.textContent = probabilities ? `${names[top]} · ${Math.round(100 * probabilities[top]!)}%` : '–';
    if (probabilities) row.guess.dataset.class = String(top);
    else delete row.guess.dataset.class;
    row.probabilities.forEach((cell, i) => {
      const p = probabilities?.[i];
      if (p === undefined) {
        cell.replaceChildren();
        delete cell.dataset.p;
        return;
      }
      cell.dataset.p = String(p);
      cell.title = `${names[i]}: ${p.toPrecision(3)}`;
      cell.replaceChildren(`${Math.round(100 * p)}%`, h('span', { className: 'bar', style: `width:${100 * p}%`, 'aria-hidden': 'true' }));
    });
  }
}
