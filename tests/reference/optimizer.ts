/** float64 reference of torch.optim.SGD (dampening 0), torch.optim.Adam and torch.optim.AdamW (amsgrad off). */

export interface SgdHyper {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export interface SgdState {
  param: number[];
  /** PyTorch's momentum_buffer: null before the first step (and always when momentum is 0). */
  velocity: number[] | null;
}

/** One SGD step; returns the new state (inputs are not modified). */
export function sgdStep(state: SgdState, grad: number[], h: SgdHyper): SgdState {
  const { lr, momentum = 0, nesterov = false, weightDecay = 0 } = h;
  const g = grad.map((gi, i) => gi + weightDecay * state.param[i]!);
  let direction = g;
  let velocity: number[] | null = null;
  if (momentum !== 0) {
    // First step: buf = clone(g); later: buf = μ·buf + (1 − dampening)·g with dampening 0.
    velocity = state.velocity ? state.velocity.map((b, i) => momentum * b + g[i]!) : g.slice();
    direction = nesterov ? g.map((gi, i) => gi + momentum * velocity![i]!) : velocity;
  }
  return { param: state.param.map((p, i) => p - lr * direction[i]!), velocity };
}

export interface AdamHyper {
  lr: number;
  /** 1-based step number t. */
  step: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** false: Adam (L2 added to the gradient); true: AdamW (param *= 1 − lr·weightDecay). */
  decoupled?: boolean;
}

export interface AdamState {
  param: number[];
  m: number[];
  v: number[];
}

/** One Adam/AdamW step in PyTorch's arithmetic order; returns the new state. */
export function adamStep(state: AdamState, grad: number[], h: AdamHyper): AdamState {
  const { lr, step: t, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decoupled = false } = h;
  const bc1 = 1 - beta1 ** t;
  const bc2 = 1 - beta2 ** t;
  const stepSize = lr / bc1;
  const param: number[] = [];
  const m: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < grad.length; i++) {
    let p = state.param[i]!;
    let g = grad[i]!;
    if (decoupled) p *= 1 - lr * weightDecay;
    else g += weightDecay * p;
    const mi = beta1 * state.m[i]! + (1 - beta1) * g;
    const vi = beta2 * state.v[i]! + (1 - beta2) * g * g;
    const denom = Math.sqrt(vi) / Math.sqrt(bc2) + eps;
    param.push(p - (stepSize * mi) / denom);
    m.push(mi);
    v.push(vi);
  }
  return { param, m, v };
}
