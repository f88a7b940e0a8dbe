/** The drawing pad's maths without a browser: framing like MNIST / Fashion-MNIST, pictures as ink, class probabilities. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { centreOfMass, FRAME, frameInk, imageInk, inkBounds, type Ink } from '../demo/draw-frame.ts';
import { classProbabilities } from '../demo/draw-probabilities.ts';
import type { LayerActivation } from '../src/train/types.ts';

const test = suite('draw frame');

/** A width×height pad with ink 1 inside the given rectangles [x, y, w, h]. */
function pad(width: number, height: number, ...rects: [number, number, number, number][]): Ink {
  const values = new Float32Array(width * height);
  for (const [x0, y0, w, h] of rects) {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) values[y * width + x] = 1;
  }
  return { width, height, values };
}

/** The smallest box of non-zero pixels of a framed image, [x, y, w, h]. */
function box(pixels: Uint8Array): [number, number, number, number] {
  const b = inkBounds({ width: FRAME, height: FRAME, values: Float32Array.from(pixels) })!;
  return [b.x, b.y, b.width, b.height];
}

test('an empty drawing frames to nothing (nothing to predict)', () => {
  assert.is(frameInk(pad(280, 280), 'mnist'), null);
  assert.is(frameInk(pad(280, 280), 'fashion-mnist'), null);
  assert.is(inkBounds(pad(5, 5)), null);
});

test('MNIST: a tall stroke anywhere on the pad is scaled to 20 pixels high, its aspect kept, centred by mass', () => {
  // 20 × 200 pixels in the pad's top-left corner: 2 × 20 once the taller side is 20.
  for (const at of [[0, 0], [250, 70]] as const) {
    const framed = frameInk(pad(280, 280, [at[0], at[1], 20, 200]), 'mnist')!;
    assert.equal(box(framed), [13, 4, 2, 20]);
    assert.ok(framed.every((v) => v === 0 || v === 255), `a stroke 10× the pixel size stays solid: pixel ${framed.findIndex((v) => v % 255 !== 0)}`);
    const c = centreOfMass(framed, FRAME);
    assert.equal([c.x, c.y], [14, 14]);
  }
});

test('MNIST: the centre of mass, not the box, goes to the centre', () => {
  // An L: its mass lies low and left, so its box ends up right of and above the centre.
  const framed = frameInk(pad(300, 300, [50, 50, 20, 200], [50, 230, 200, 20]), 'mnist')!;
  const [x, y, w, h] = box(framed);
  assert.equal([w, h], [20, 20]);
  const c = centreOfMass(framed, FRAME);
  assert.ok(Math.abs(c.x - 14) <= 0.5 && Math.abs(c.y - 14) <= 0.5, `centre of mass ${c.x}, ${c.y}`);
  assert.ok(x + w / 2 > 15 && y + h / 2 < 13, `the box's middle (${x + w / 2}, ${y + h / 2})`);
});

test('MNIST: a wide shape keeps its aspect ratio; downsampling is anti-aliased (area averages)', () => {
  // 150 × 50 → 20 × 6.67, rounded to 20 × 7.
  assert.equal(box(frameInk(pad(280, 280, [10, 10, 150, 50]), 'mnist')!).slice(2), [20, 7]);
  // One-pixel lines around three sides of a 140 × 140 box: each 20 × 20 cell covers 7 × 7 pixels,
  // 7 of them inked along a line (1/7 grey), 13 at a corner; none black, none white.
  const grey = frameInk(pad(280, 280, [0, 0, 140, 1], [0, 139, 140, 1], [0, 0, 1, 140]), 'mnist')!;
  const values = [...grey].filter((v) => v > 0);
  assert.equal([...new Set(values)].sort((a, b) => a - b), [Math.round(255 / 7), Math.round((255 * 13) / 49)]);
  // The ink's mass is kept: 418 inked pixels at (20/140)² each, give or take the rounding to bytes.
  const total = values.reduce((a, b) => a + b, 0) / 255;
  assert.ok(Math.abs(total - (3 * 140 - 2) / 49) < 0.2, `ink ${total}`);
});

test('Fashion-MNIST: the box is scaled to fill 28 pixels on its longer side and centred by the box', () => {
  // A heavy block on the left of a wide bar: centring by mass would move it right; by box it fills the width.
  const framed = frameInk(pad(280, 280, [0, 100, 280, 40], [0, 20, 60, 120]), 'fashion-mnist')!;
  assert.equal(box(framed), [0, 8, 28, 12]);
  const c = centreOfMass(framed, FRAME);
  assert.ok(c.x < 11.5, `centre of mass ${c.x} stays left, where the block is`);
});

test('a picture with a light background is inverted: dark ink becomes ink 1, paper 0', () => {
  // 10 × 10 white (with a faint grey, as paper scans are) with a black 2 × 6 bar.
  const rgba = new Uint8ClampedArray(10 * 10 * 4);
  for (let p = 0; p < 100; p++) rgba.set([240, 240, 240, 255], 4 * p);
  for (let y = 2; y < 8; y++) for (let x = 4; x < 6; x++) rgba.set([0, 0, 0, 255], 4 * (y * 10 + x));
  const ink = imageInk(rgba, 10, 10);
  assert.equal(inkBounds(ink), { x: 4, y: 2, width: 2, height: 6 });
  assert.is(ink.values[3 * 10 + 4], 1);
  assert.is(ink.values[0], 0);
  // The same bar light on dark is not inverted, and gives the same ink.
  const dark = rgba.map((v, i) => (i % 4 === 3 ? v : 255 - v));
  assert.equal(imageInk(dark, 10, 10).values, ink.values);
  // Transparent pixels are paper: a black bar on transparent is ink on white.
  const transparent = new Uint8ClampedArray(rgba.length);
  for (let y = 2; y < 8; y++) for (let x = 4; x < 6; x++) transparent.set([0, 0, 0, 255], 4 * (y * 10 + x));
  assert.equal(imageInk(transparent, 10, 10).values, ink.values);
  // A blank picture has no ink.
  assert.is(inkBounds(imageInk(new Uint8ClampedArray(400).fill(255), 10, 10)), null);
});

test('class probabilities are the softmax of fc2, the logits; large logits do not overflow', () => {
  const layers = (logits: number[]): LayerActivation[] => [
    { layer: 'fc1', kind: 'linear', shape: [2], data: Float32Array.from([5, 5]) },
    { layer: 'fc2', kind: 'linear', shape: [logits.length], data: Float32Array.from(logits) },
  ];
  const p = classProbabilities(layers([0, Math.log(3), -Infinity]));
  assert.ok(Math.abs(p[0]! - 0.25) < 1e-7 && Math.abs(p[1]! - 0.75) < 1e-7 && p[2] === 0, `${p}`);
  assert.equal(classProbabilities(layers([1000, 1000])), [0.5, 0.5]);
  assert.throws(() => classProbabilities(layers([1]).slice(0, 1)), /no fc2 \(logits\) among the layers fc1/);
});

test.run();
