/** One variant's test predictions: a confusion matrix and a grid of test images with their labels. */
import type { LabelledImages } from '../src/data/idx.ts';
import { h } from './dom.ts';
import { imageCanvas } from './images.ts';

/** counts[true][predicted] over the first predictions.length test images. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < predictions.length; i++) counts[labels[i]!]![predictions[i]!]! += 1;
  return counts;
}

/**
 * Black or white, whichever reads on `rgb` at `alpha` over the white page: the colour's WCAG
 * relative luminance against 0.18, where both contrast ratios are 4.58 (at least WCAG AA's 4.5).
 */
function textOn(rgb: readonly number[], alpha: number): string {
  const linear = rgb.map((c) => {
    const v = (alpha * c + (1 - alpha) * 255) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * linear[0]! + 0.7152 * linear[1]! + 0.0722 * linear[2]! > 0.18 ? '#000' : '#fff';
}

/** Rows are true classes, columns predictions; a cell's shade is its share of the row. */
export function confusionTable(counts: number[][], classNames: readonly string[]): HTMLTableElement {
  const head = h('tr', {}, h('th', { scope: 'col' }, 'true ↓ / predicted →'),
    ...classNames.map((name, i) => h('th', { scope: 'col', className: 'class-name', title: `predicted ${name}` }, `${i} ${name}`)), h('th', { scope: 'col' }, 'recall'));
  const rows = counts.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((n, p) => {
      const share = total ? n / total : 0;
      const [rgb, alpha] = p === t ? [[37, 99, 235], share] as const : [[220, 38, 38], Math.min(1, share * 3)] as const;
      return h('td', { style: `background:rgba(${rgb.join(', ')}, ${alpha});color:${textOn(rgb, alpha)}`, title: `${classNames[t]} predicted as ${classNames[p]}: ${n}` }, String(n));
    });
    return h('tr', {}, h('th', { scope: 'row' }, `${t} ${classNames[t]}`), ...cells, h('td', {}, total ? `${Math.round((100 * row[t]!) / total)}%` : '–'));
  });
  return h('table', { className: 'confusion' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

/** Up to `limit` test images, each captioned with its prediction; wrong ones marked. */
export function predictionGrid(test: LabelledImages, predictions: ArrayLike<number>, classNames: readonly string[], limit: number, mistakesOnly: boolean): HTMLElement[] {
  const figures: HTMLElement[] = [];
  for (let i = 0; i < predictions.length && figures.length < limit; i++) {
    const right = predictions[i] === test.labels[i];
    if (mistakesOnly && right) continue;
    figures.push(h('figure', { className: right ? 'sample right' : 'sample wrong' }, imageCanvas(test, i),
      h('figcaption', {}, h('span', { className: 'predicted' }, classNames[predictions[i]!] ?? '?'), h('br'), h('span', { className: 'true' }, `true: ${classNames[test.labels[i]!]}`))));
  }
  return figures;
}
