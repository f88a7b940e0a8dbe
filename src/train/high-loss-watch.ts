/**
 * Divergence that never reaches NaN: a loss that stays far above chance. With Adam at learning
 * rate 5 the loss sits near 190 for ever (chance is ln 10 ≈ 2.30) while every value stays finite,
 * so the GPU's NaN/Inf tracker never fires. The watch sees the epoch's running sums at every
 * readback (one per command buffer) and keeps the last chunks that cover the window.
 */

/** A run diverged when its mean training loss over the last `steps` steps exceeds `chanceMultiple` × ln(classes). */
export const HIGH_LOSS = { steps: 20, chanceMultiple: 3 } as const;

interface Chunk {
  steps: number;
  lossSum: number;
  samples: number;
}

export interface HighLoss {
  /** Mean loss over the window, its limit and how many steps the window covered. */
  mean: number;
  limit: number;
  steps: number;
}

export class HighLossWatch {
  readonly limit: number;
  private chunks: Chunk[] = [];
  /** The epoch's running sums at the last readback; null when unknown (after a mid-epoch checkpoint). */
  private last: { step: number; lossSum: number; samples: number } | null = null;

  constructor(classes: number, private readonly window: number = HIGH_LOSS.steps) {
    this.limit = HIGH_LOSS.chanceMultiple * Math.log(classes);
  }

  /** The epoch's sums restart from zero (a new epoch's first step). */
  epochStarted(): void {
    this.last = { step: 0, lossSum: 0, samples: 0 };
  }

  /** A checkpoint was loaded: the sums on the GPU are not known here, so the next readback starts the window again. */
  forget(): void {
    this.last = null;
    this.chunks = [];
  }

  /** The epoch's running sums after `step` of its steps; the window's loss when it is too high, else null. */
  observe(step: number, lossSum: number, samples: number): HighLoss | null {
    if (this.last) this.chunks.push({ steps: step - this.last.step, lossSum: lossSum - this.last.lossSum, samples: samples - this.last.samples });
    this.last = { step, lossSum, samples };
    let steps = this.chunks.reduce((n, c) => n + c.steps, 0);
    while (this.chunks.length > 1 && steps - this.chunks[0]!.steps >= this.window) steps -= this.chunks.shift()!.steps;
    if (steps < this.window) return null;
    const mean = this.chunks.reduce((s, c) => s + c.lossSum, 0) / this.chunks.reduce((s, c) => s + c.samples, 0);
    return mean > this.limit ? { mean, limit: this.limit, steps } : null;
  }
}
