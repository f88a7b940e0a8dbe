/** The trainer's own errors: a run that diverged, and a trainer used in a state that cannot serve the call. */

export class DivergenceError extends Error {
  override name = 'DivergenceError';
  constructor(readonly variant: string, readonly epoch: number, readonly step: number) {
    super(`${variant}: loss became NaN/Inf at epoch ${epoch}, step ${step}; training of this variant stopped (try a lower learning rate)`);
  }
}

/** Misuse: a disposed trainer, a call while train() runs, a dataset no longer resident on the engine. */
export class TrainerStateError extends Error {
  override name = 'TrainerStateError';
}
