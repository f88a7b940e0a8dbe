/**
 * A drawing or a picture framed as the datasets frame their images, without a browser: ink from
 * RGBA pixels, its bounding box, an anti-aliased (area-averaging) resize and the placement in 28×28.
 */
import type { DatasetName } from '../src/data/dataset.ts';

/** Ink coverage in [0, 1] per pixel, row-major. */
export interface Ink {
  width: number;
  height: number;
  values: Float32Array;
}

export const FRAME = 28;
/** MNIST's digits were size-normalised to fit a 20×20 box, then centred by mass in 28×28. */
export const MNIST_BOX = 20;

interface Box { x: number; y: number; width: number; height: number }

/** The smallest box holding every pixel with ink; null when there is none. */
export function inkBounds(ink: Ink): Box | null {
  let x0 = ink.width, y0 = ink.height, x1 = -1, y1 = -1;
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      if (ink.values[y * ink.width + x]! <= 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** For each of `out` cells over [start, start + length) source pixels: the pixels it overlaps and by how much. */
function overlaps(start: number, length: number, out: number): [index: number, weight: number][][] {
  const step = length / out;
  return Array.from({ length: out }, (_, i) => {
    const from = i * step, to = (i + 1) * step;
    const cells: [number, number][] = [];
    for (let p = Math.floor(from); p < Math.min(length, Math.ceil(to)); p++) {
      cells.push([start + p, (Math.min(to, p + 1) - Math.max(from, p)) / step]);
    }
    return cells;
  });
}

/** The box resized to width×height by area averaging (each output pixel the mean ink it covers: anti-aliased). */
function resize(ink: Ink, box: Box, width: number, height: number): Float32Array {
  const columns = overlaps(box.x, box.width, width);
  const rows = overlaps(box.y, box.height, height);
  // Rows first: each source row of the box to `width` values, then those rows down to `height`.
  const wide = new Float32Array(box.height * width);
  for (let y = 0; y < box.height; y++) {
    const row = (box.y + y) * ink.width;
    for (let i = 0; i < width; i++) {
      let sum = 0;
      for (const [x, w] of columns[i]!) sum += w * ink.values[row + x]!;
      wide[y * width + i] = sum;
    }
  }
  const out = new Float32Array(width * height);
  for (let j = 0; j < height; j++) {
    for (const [y, w] of rows[j]!) {
      for (let i = 0; i < width; i++) out[j * width + i]! += w * wide[(y - box.y) * width + i]!;
    }
  }
  return out;
}

/** Centre of mass of a width×height image, in pixel units (a pixel's centre is at +0.5). */
export function centreOfMass(values: ArrayLike<number>, width: number): { x: number; y: number } {
  let mass = 0, x = 0, y = 0;
  for (let p = 0; p < values.length; p++) {
    const v = values[p]!;
    mass += v;
    x += v * ((p % width) + 0.5);
    y += v * (Math.floor(p / width) + 0.5);
  }
  return { x: x / mass, y: y / mass };
}

/**
 * The ink as a 28×28 image (0–255, as in the IDX files), framed the way `dataset` framed its own:
 * MNIST scaled the ink's bounding box to fit 20×20 (aspect kept) and put its centre of mass at
 * the image's centre. Fashion-MNIST's product photos were trimmed, scaled so the longer side is
 * 28 and centred by their box: a garment is not balanced around its mass (a shoe's heel, a bag's
 * strap), so centring by mass would push it against an edge. Null when there is no ink.
 */
export function frameInk(ink: Ink, dataset: DatasetName): Uint8Array | null {
  const box = inkBounds(ink);
  if (!box) return null;
  const fit = dataset === 'mnist' ? MNIST_BOX : FRAME;
  const scale = fit / Math.max(box.width, box.height);
  const width = Math.max(1, Math.min(fit, Math.round(box.width * scale)));
  const height = Math.max(1, Math.min(fit, Math.round(box.height * scale)));
  const small = resize(ink, box, width, height);
  let left: number, top: number;
  if (dataset === 'mnist') {
    const c = centreOfMass(small, width);
    left = Math.round(FRAME / 2 - c.x);
    top = Math.round(FRAME / 2 - c.y);
  } else {
    left = Math.floor((FRAME - width) / 2);
    top = Math.floor((FRAME - height) / 2);
  }
  const out = new Uint8Array(FRAME * FRAME);
  for (let y = 0; y < height; y++) {
    const ty = top + y;
    if (ty < 0 || ty >= FRAME) continue;
    for (let x = 0; x < width; x++) {
      const tx = left + x;
      if (tx >= 0 && tx < FRAME) out[ty * FRAME + tx] = Math.round(255 * Math.min(1, small[y * width + x]!));
    }
  }
  return out;
}

/**
 * A picture (RGBA, as ImageData holds it) as ink: greyscale over white (transparent is paper),
 * inverted when the background (the median of the border) is light, as the datasets' ink is
 * light on black, then stretched so the background is 0 and the strongest ink 1.
 */
export function imageInk(rgba: ArrayLike<number>, width: number, height: number): Ink {
  const grey = new Float32Array(width * height);
  for (let p = 0; p < grey.length; p++) {
    const a = rgba[4 * p + 3]! / 255;
    const luma = 0.299 * rgba[4 * p]! + 0.587 * rgba[4 * p + 1]! + 0.114 * rgba[4 * p + 2]!;
    grey[p] = a * luma + (1 - a) * 255;
  }
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(grey[x]!, grey[(height - 1) * width + x]!);
  for (let y = 1; y < height - 1; y++) border.push(grey[y * width]!, grey[y * width + width - 1]!);
  const median = border.sort((a, b) => a - b)[Math.floor(border.length / 2)]!;
  const light = median > 127.5;
  if (light) for (let p = 0; p < grey.length; p++) grey[p] = 255 - grey[p]!;
  const background = light ? 255 - median : median;
  let strongest = background;
  for (const v of grey) strongest = Math.max(strongest, v);
  const values = new Float32Array(grey.length);
  if (strongest > background) {
    for (let p = 0; p < grey.length; p++) values[p] = Math.max(0, (grey[p]! - background) / (strongest - background));
  }
  return { width, height, values };
}
