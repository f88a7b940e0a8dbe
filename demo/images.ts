/** Dataset images drawn into small canvases (28×28 pixels, scaled up by CSS). */
import type { LabelledImages } from '../src/data/idx.ts';
import { h } from './dom.ts';

export function imageCanvas(set: LabelledImages, index: number): HTMLCanvasElement {
  const canvas = h('canvas', { width: set.cols, height: set.rows, className: 'digit' });
  const pixels = set.rows * set.cols;
  const image = new ImageData(set.cols, set.rows);
  for (let p = 0; p < pixels; p++) {
    // Dark ink on white, like the study's figures.
    const v = 255 - set.images[index * pixels + p]!;
    image.data.set([v, v, v, 255], p * 4);
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

/** The first image of each class, captioned with the class name. */
export function classSamples(set: LabelledImages, classNames: readonly string[]): HTMLElement[] {
  return classNames.flatMap((name, label) => {
    const index = set.labels.indexOf(label);
    return index < 0 ? [] : [h('figure', { className: 'sample' }, imageCanvas(set, index), h('figcaption', {}, name))];
  });
}
