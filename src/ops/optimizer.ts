/**
 * SGD and Adam/AdamW steps over a flat parameter tensor (shaders/optimizer.wgsl). The trainer
 * keeps every parameter of a model in one f32 tensor of `count` elements (and the gradients and
 * optimizer state in others of the same size), so a step is one dispatch plus, when count is not
 * a multiple of 4, a tiny one for the last count % 4 elements. lr and the 1-based step t are read
 * from the shared Step uniform (src/ops/step.ts) at execution time.
 */
import shader from '../../shaders/optimizer.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectDType, expectShape, type Tensor } from '../gpu/tensor.ts';
import { checkStepLayout } from './step.ts';
import { inRange, positiveInteger, refuse } from './validate.ts';

/** vec4s each body invocation updates: the shader's VECS. */
const VECS = 4;
// ln 0 is −∞, which a uniform cannot hold; any t·ln β below ~−104 already gives β^t = 0 in f32.
const LOG_OF_ZERO = -1000;

export interface SgdConfig {
  /** Number of parameters (elements of the flat tensors). */
  count: number;
  momentum?: number;
  nesterov?: boolean;
  /** Coupled L2: added to the gradient as weightDecay·param. */
  weightDecay?: number;
}

export interface AdamConfig {
  /** Number of parameters (elements of the flat tensors). */
  count: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** false: torch.optim.Adam (coupled L2 in the gradient); true: torch.optim.AdamW. */
  decoupled?: boolean;
}

function checkKeys(op: string, config: object, allowed: readonly string[]): void {
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) {
      const hint = key === 'lr' ? ' (lr is per step: it comes from the step uniform)' : '';
      refuse(op, `unknown option '${key}'${hint}; options are ${allowed.join(', ')}`);
    }
  }
}

function checkBoolean(op: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${String(value)}`);
  return value;
}

/**
 * Each tensor must be a flat f32 [count], and the dispatch must be valid WebGPU: a buffer bound
 * read-only (grad) may not also be written in the same dispatch, and written tensors must not
 * overlap.
 */
function checkTensors(op: string, count: number, read: readonly [string, Tensor][], written: readonly [string, Tensor][]): void {
  for (const [name, t] of [...read, ...written]) {
    expectShape(op, name, t, [count]);
    expectDType(op, name, t, 'f32');
  }
  for (const [rName, r] of read) {
    for (const [wName, w] of written) {
      if (r.buffer === w.buffer) {
        throw new Error(`${op}: ${rName} and ${wName} share buffer '${r.buffer.label}'; ${rName} must be in a buffer that is not written`);
      }
    }
  }
  for (const [i, [aName, a]] of written.entries()) {
    for (const [bName, b] of written.slice(i + 1)) {
      if (a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.bytes && b.byteOffset < a.byteOffset + a.bytes) {
        throw new Error(`${op}: ${aName} and ${bName} overlap in buffer '${a.buffer.label}'`);
      }
    }
  }
}

/** The vec4-body dispatch (when count ≥ 4) and the scalar-tail dispatch (when count % 4 ≠ 0). */
function launch(
  count: number,
  body: Kernel,
  tail: Kernel,
  uniforms: Record<string, GPUBuffer>,
  tensors: Record<string, Tensor>,
): Dispatch[] {
  const dispatches: Dispatch[] = [];
  const whole = Math.floor(count / 4) * 4;
  if (whole > 0) {
    const views: Record<string, Tensor> = {};
    const sizes: Record<string, number> = {};
    for (const [name, t] of Object.entries(tensors)) {
      views[`${name}4`] = t;
      sizes[`${name}4`] = whole;
    }
    const bindGroup = body.bind({ ...uniforms, ...views }, sizes);
    const elementsPerWorkgroup = body.invocationsPerWorkgroup * VECS * 4;
    dispatches.push(body.dispatch(bindGroup, Math.ceil(whole / elementsPerWorkgroup)));
  }
  if (whole < count) dispatches.push(tail.dispatch(tail.bind({ ...uniforms, ...tensors }), 1));
  return dispatches;
}

function kernels(gpu: Gpu, entry: string): [Kernel, Kernel] {
  const body = gpu.kernel(shader, entry, { VECS });
  const tail = gpu.kernel(shader, `${entry}_tail`);
  checkStepLayout(body);
  checkStepLayout(tail);
  return [body, tail];
}

/**
 * torch.optim.SGD with dampening 0: g = grad + weightDecay·param; with momentum μ > 0,
 * velocity = μ·velocity + g and g = nesterov ? g + μ·velocity : velocity; param −= lr·g.
 */
export class Sgd {
  readonly count: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly body: Kernel;
  private readonly tail: Kernel;
  private readonly params: GPUBuffer;

  constructor(gpu: Gpu, config: SgdConfig) {
    const op = 'Sgd';
    checkKeys(op, config, ['count', 'momentum', 'nesterov', 'weightDecay']);
    this.count = positiveInteger(op, 'count', config.count);
    this.momentum = inRange(op, 'momentum', config.momentum ?? 0, 0);
    this.nesterov = checkBoolean(op, 'nesterov', config.nesterov ?? false);
    this.weightDecay = inRange(op, 'weightDecay', config.weightDecay ?? 0, 0);
    if (this.nesterov && this.momentum === 0) {
      refuse(op, `nesterov requires momentum > 0, got momentum ${this.momentum}`);
    }
    [this.body, this.tail] = kernels(gpu, this.momentum > 0 ? 'sgd_momentum_step' : 'sgd_step');
    this.params = gpu.uniform('sgd.params', this.body.packUniform('sgd', {
      count: this.count,
      momentum: this.momentum,
      weight_decay: this.weightDecay,
      nesterov: this.nesterov ? 1 : 0,
    }));
  }

  /**
   * Update `param` (and `velocity`, when momentum > 0) in place from `grad`, with lr from the
   * `step` uniform. `velocity` starts zeroed; it is unused, and may be null, when momentum is 0.
   */
  step(param: Tensor, grad: Tensor, velocity: Tensor | null, step: GPUBuffer): Dispatch[] {
    const op = 'Sgd step';
    const written: [string, Tensor][] = [['param', param]];
    if (this.momentum > 0) {
      if (!velocity) throw new TypeError(`${op}: velocity is required when momentum > 0 (momentum ${this.momentum})`);
      written.push(['velocity', velocity]);
    }
    checkTensors(op, this.count, [['grad', grad]], written);
    const tensors: Record<string, Tensor> = { param, grad };
    if (this.momentum > 0) tensors.velocity = velocity!;
    return launch(this.count, this.body, this.tail, { step, sgd: this.params }, tensors);
  }
}

/**
 * torch.optim.Adam (decoupled false; weightDecay is L2 added to the gradient) or
 * torch.optim.AdamW (decoupled true; param *= 1 − lr·weightDecay before the update), amsgrad off.
 */
export class Adam {
  readonly count: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  private readonly body: Kernel;
  private readonly tail: Kernel;
  private readonly params: GPUBuffer;

  constructor(gpu: Gpu, config: AdamConfig) {
    const op = config.decoupled === true ? 'AdamW' : 'Adam';
    checkKeys(op, config, ['count', 'beta1', 'beta2', 'eps', 'weightDecay', 'decoupled']);
    this.count = positiveInteger(op, 'count', config.count);
    this.beta1 = inRange(op, 'beta1', config.beta1 ?? 0.9, 0, 1);
    this.beta2 = inRange(op, 'beta2', config.beta2 ?? 0.999, 0, 1);
    this.eps = inRange(op, 'eps', config.eps ?? 1e-8, 0, undefined, true);
    this.weightDecay = inRange(op, 'weightDecay', config.weightDecay ?? 0, 0);
    this.decoupled = checkBoolean(op, 'decoupled', config.decoupled ?? false);
    [this.body, this.tail] = kernels(gpu, 'adam_step');
    // 1 − β and ln β are formed here in float64 (see AdamParams in the shader).
    this.params = gpu.uniform('adam.params', this.body.packUniform('adam', {
      count: this.count,
      beta1: this.beta1,
      one_minus_beta1: 1 - this.beta1,
      log_beta1: Math.max(Math.log(this.beta1), LOG_OF_ZERO),
      beta2: this.beta2,
      one_minus_beta2: 1 - this.beta2,
      log_beta2: Math.max(Math.log(this.beta2), LOG_OF_ZERO),
      eps: this.eps,
      l2: this.decoupled ? 0 : this.weightDecay,
      decay: this.decoupled ? this.weightDecay : 0,
    }));
  }

  /**
   * Update `param`, `m` (first moment) and `v` (second moment) in place from `grad`, with lr and
   * the 1-based step t from the `step` uniform. m and v start zeroed; t must be ≥ 1.
   */
  step(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, step: GPUBuffer): Dispatch[] {
    checkTensors(this.decoupled ? 'AdamW step' : 'Adam step', this.count, [['grad', grad]], [['param', param], ['m', m], ['v', v]]);
    return launch(this.count, this.body, this.tail, { step, adam: this.params }, { param, grad, m, v });
  }
}
