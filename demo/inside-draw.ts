/**
 * The "Look inside" section's pictures: conv1's filters and a layer's activation maps as small
 * greyscale canvases (one pixel per value, scaled up by CSS), on a symmetric scale: mid grey is 0,
 * white +max, black −max, max being the largest |value| of what is drawn together.
 */
import type { LayerActivation, ModelTensor } from '../src/train/types.ts';
import { h } from './dom.ts';
import { grey, maxAbs } from './inside-stats.ts';

/** A width × height canvas of `values` (row-major) on ±scale, shown `cssWidth` pixels wide. */
export function greyCanvas(values: ArrayLike<number>, width: number, height: number, scale: number, cssWidth: number, title: string): HTMLCanvasElement {
  const canvas = h('canvas', { width, height, className: 'map', title });
  canvas.style.width = `${cssWidth}px`;
  const image = new ImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    const v = grey(values[p]!, scale);
    image.data.set([v, v, v, 255], p * 4);
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

/** conv1.weight [6, 1, 5, 5]: one 5×5 image per filter, all six on one scale (so their strengths compare). */
export function filterImages(weight: ModelTensor): HTMLElement[] {
  const [filters, , rows, cols] = weight.shape as [number, number, number, number];
  const scale = maxAbs(weight.data);
  const size = rows * cols;
  return Array.from({ length: filters }, (_, f) => {
    const values = weight.data.subarray(f * size, (f + 1) * size);
    return h('figure', { className: 'filter' }, greyCanvas(values, cols, rows, scale, 50, `filter ${f + 1}: |w| up to ${maxAbs(values).toFixed(3)}`),
      h('figcaption', {}, String(f + 1)));
  });
}

/** What a layer's output is, in words, for its caption. */
const LAYER_NOTES: Record<LayerActivation['kind'], string> = {
  input: 'the image as the network sees it', conv: 'convolution', batchnorm: 'batch norm (running statistics)',
  'tanh-pool': 'tanh, then 2×2 average pooling', linear: 'fully connected', flatten: '', dropout: '',
};

/**
 * One layer's output: a map per channel ([C, H, W] with H > 1), or a strip of cells for a vector
 * (conv3's 120, fc1's 84, the 10 logits, captioned with the predicted class).
 */
export function activationFigure(a: LayerActivation, classNames: readonly string[]): HTMLElement {
  const scale = maxAbs(a.data);
  const [channels, height = 1, width = 1] = a.shape as [number, number?, number?];
  let maps: HTMLElement[];
  let note = LAYER_NOTES[a.kind];
  if (height > 1) {
    const size = height * width;
    maps = Array.from({ length: channels }, (_, c) =>
      greyCanvas(a.data.subarray(c * size, (c + 1) * size), width, height, scale, Math.min(56, width * 3), `${a.layer} channel ${c + 1}`));
  } else {
    maps = [greyCanvas(a.data, a.data.length, 1, scale, Math.min(420, a.data.length * 6), `${a.layer}: ${a.data.length} values`)];
    maps[0]!.classList.add('strip');
    if (a.layer === 'fc2') {
      const best = a.data.indexOf(Math.max(...a.data));
      note = `logits: predicts ${classNames[best] ?? best}`;
    }
  }
  return h('figure', { className: 'layer-maps', 'data-layer': a.layer, 'data-maps': maps.length },
    h('figcaption', {}, h('strong', {}, a.layer), ` [${a.shape.join('×')}] ${note} · max |a| ${scale.toFixed(2)}`),
    h('div', { className: 'maps' }, ...maps));
}
