/** The trainer's own errors: a run that diverged, and a trainer used in a state that cannot serve the call. */
import type { HighLoss } from './high-loss-watch.ts';

/** Training stopped because the loss became NaN/Inf, or stayed far above chance (`highLoss`). */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
  constructor(readonly variant: string, readonly epoch: number, readonly step: number, readonly highLoss: HighLoss | null = null) {
    const what = highLoss
      ? `mean loss ${highLoss.mean.toPrecision(4)} over the last ${highLoss.steps} steps stayed above ${highLoss.limit.toFixed(2)} (3 × ln of the class count; chance is a third of that)`
      : 'loss became NaN/Inf';
    super(`${variant}: ${what} at epoch ${epoch}, step ${step}; training of this variant stopped (try a lower learning rate)`);
  }
}

/** Misuse: a disposed trainer, a call while train() runs, a dataset no longer resident on the engine. */
export class TrainerStateError extends Error {
  override name = 'TrainerStateError';
}
