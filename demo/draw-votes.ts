/**
 * Class shares for one framed image from a predictor that answers classes, not probabilities
 * (the trainers' predict() returns each image's argmax): the image shifted by up to SHIFT pixels
 * each way, all copies in one predict() call, and the share of copies that vote for each class.
 * That is the probability of each class when the framing is off by a pixel or two, as it is
 * between a hand-drawn digit and the datasets' own.
 */
import { FRAME } from './draw-frame.ts';

export const SHIFT = 2;
export const COPIES = (2 * SHIFT + 1) ** 2;

/** COPIES copies of a 28×28 image, shifted by every (dx, dy) in [−SHIFT, SHIFT]², background filling in. */
export function shiftedCopies(pixels: Uint8Array): Uint8Array {
  const size = FRAME * FRAME;
  const out = new Uint8Array(COPIES * size);
  let copy = 0;
  for (let dy = -SHIFT; dy <= SHIFT; dy++) {
    for (let dx = -SHIFT; dx <= SHIFT; dx++, copy++) {
      for (let y = Math.max(0, dy); y < Math.min(FRAME, FRAME + dy); y++) {
        const from = (y - dy) * FRAME;
        const to = copy * size + y * FRAME;
        for (let x = Math.max(0, dx); x < Math.min(FRAME, FRAME + dx); x++) out[to + x] = pixels[from + x - dx]!;
      }
    }
  }
  return out;
}

/** The share of the copies predicted as each class (sums to 1). */
export function voteShares(classes: ArrayLike<number>, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < classes.length; i++) counts[classes[i]!]! += 1;
  return counts.map((n) => n / classes.length);
}
