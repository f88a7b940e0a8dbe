/**
 * Per-step training curves from the trainer's progress events, which carry running means over the
 * epoch so far (one event per command buffer): the mean loss and accuracy of the steps since the
 * previous event, (m₂·s₂ − m₁·s₁)/(s₂ − s₁), at x = epochs done (fractional). No DOM, tested in Node.
 */
import type { Progress } from '../src/train/types.ts';

export interface StepPoint {
  /** Epochs trained when the interval ended, e.g. 1.5 halfway through the second epoch. */
  x: number;
  /** Mean training loss and accuracy of the interval's batches. */
  loss: number;
  accuracy: number;
}

export class StepSeries {
  private epoch = 0;
  private step = 0;
  private loss = 0;
  private accuracy = 0;

  /** The interval since the previous event of the same epoch (or since the epoch began); null if no step was taken. */
  add(p: Progress): StepPoint | null {
    if (p.epoch !== this.epoch) Object.assign(this, { epoch: p.epoch, step: 0, loss: 0, accuracy: 0 });
    const steps = p.step - this.step;
    if (steps <= 0) return null;
    const point = {
      x: p.epoch - 1 + p.step / p.stepsPerEpoch,
      loss: (p.trainLoss * p.step - this.loss * this.step) / steps,
      accuracy: (p.trainAccuracy * p.step - this.accuracy * this.step) / steps,
    };
    Object.assign(this, { step: p.step, loss: p.trainLoss, accuracy: p.trainAccuracy });
    return point;
  }
}
