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

/** Rows are true classes, columns predictions; a cell's shade is its share of the row. */
export function confusionTable(counts: number[][], classNames: readonly string[]): HTMLTableElement {
  const head = h('tr', {}, h('th', { scope: 'col' }, 'true ↓ / predicted →'),
    ...classNames.map((name, i) => h('th', { scope: 'col', className: 'class-name', title: `predicted ${name}` }, `${i} ${name}`)), h('th', { scope: 'col' }, 'recall'));
  const rows = counts.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((n, p) => {
      const share = total ? n / total : 0;
      const color = p === t ? `rgba(37, 99, 235, ${share})` : `rgba(220, 38, 38, ${Math.min(1, share * 3)})`;
      return h('td', { style: `background:${color};color:${share > 0.5 ? '#fff' : 'inherit'}`, title: `${classNames[t]} predicted as ${classNames[p]}: ${n}` }, String(n));
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
