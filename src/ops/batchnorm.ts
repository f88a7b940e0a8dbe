/** Batch normalization (BatchNorm1d/2d) forward in training and eval mode, and backward (shaders/batchnorm.wgsl). */
import shader from '../../shaders/batchnorm.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import { softwareRenderer } from '../gpu/device.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectShape, type Tensor } from '../gpu/tensor.ts';
import { positiveIntegers, refuse } from './validate.ts';

export interface BatchNormConfig {
  batch: number;
  channels: number;
  /** Values per channel per sample: H·W for BatchNorm2d, 1 for BatchNorm1d. */
  spatial: number;
  eps?: number;
  momentum?: number;
  /**
   * Workgroups per channel for the training statistics (BatchNorm2d only): 1 is one workgroup per
   * channel in one dispatch; more splits each channel into ranges of whole samples, in three
   * dispatches (partials, a per-channel finalize, the elementwise pass). Default: splitStatisticsParts(gpu, …).
   */
  parts?: number;
  /** Threads per workgroup. Default: batchNormWorkgroupSize(gpu). */
  workgroupSize?: number;
}

// batchnorm_forward's STATS override (shaders/batchnorm.wgsl).
const STATS = { here: 0, finalized: 1, running: 2 } as const;

/**
 * SwiftShader runs barriers per 4-lane group, so 16 threads is fastest there (bench/README.md);
 * a GPU would leave half of each 32-wide warp idle at 16, so it gets 64 (within its limits).
 */
export function batchNormWorkgroupSize(gpu: Gpu): number {
  return softwareRenderer(gpu.adapter) ? 16 : Math.min(64, gpu.device.limits.maxComputeInvocationsPerWorkgroup);
}

/** Enough workgroups to occupy a GPU's cores; and parts large enough to amortise the extra dispatch. */
const TARGET_WORKGROUPS = 512;
const MIN_PART_VALUES = 1024;

/**
 * The default `parts`: 1 on a software adapter and for BatchNorm1d; on a GPU, enough parts for
 * about TARGET_WORKGROUPS workgroups, each part at least MIN_PART_VALUES values and whole samples.
 * (A heuristic, not a measurement: no GPU was lent when it was written.)
 */
export function splitStatisticsParts(gpu: Gpu, batch: number, channels: number, spatial: number): number {
  // A software adapter (SwiftShader and the like) runs one workgroup per channel fastest.
  if (spatial === 1 || softwareRenderer(gpu.adapter)) return 1;
  const wanted = Math.min(batch, Math.ceil(TARGET_WORKGROUPS / channels), Math.floor((batch * spatial) / MIN_PART_VALUES));
  return Math.max(1, wanted);
}

/**
 * Per-channel normalization of activations [batch, channels, ...] (NCHW, trailing dims multiplying
 * to `spatial`), with statistics over the n = batch·spatial values of each channel, as PyTorch's
 * BatchNorm1d/2d: biased batch variance for normalizing, unbiased for the running variance.
 */
export class BatchNorm {
  readonly batch: number;
  readonly channels: number;
  readonly spatial: number;
  readonly eps: number;
  readonly momentum: number;
  /** Values per channel: batch·spatial. */
  readonly n: number;
  private readonly kernels: { train: Kernel; eval: Kernel; backward: Kernel };
  /** Split statistics: the partials, the per-channel finalize and the elementwise passes after it; null when not split. */
  private readonly split: {
    partials: Tensor;
    forward: [partials: Kernel, finalize: Kernel, elementwise: Kernel];
    backward: [partials: Kernel, finalize: Kernel, elementwise: Kernel];
  } | null;
  private readonly params: GPUBuffer;
  /** One invocation (not one workgroup) per channel. */
  private readonly perInvocation: boolean;
  /** Workgroups per channel of the split statistics (1: not split), each over partBatch samples. */
  readonly parts: number;
  private readonly partBatch: number;
  /** Per-channel scratch bound to the slots a pass declares but does not touch (eval's batch statistics, …). */
  private readonly unused: [Tensor, Tensor, Tensor];

  constructor(gpu: Gpu, config: BatchNormConfig) {
    const { batch, channels, spatial, eps = 1e-5, momentum = 0.1 } = config;
    positiveIntegers('BatchNorm', config, ['batch', 'channels', 'spatial']);
    if (config.parts !== undefined) positiveIntegers('BatchNorm', config, ['parts']);
    if (config.workgroupSize !== undefined) positiveIntegers('BatchNorm', config, ['workgroupSize']);
    if (spatial === 1 && (config.parts ?? 1) > 1) refuse('BatchNorm', `parts must be 1 for BatchNorm1d (spatial 1), got ${config.parts}`);
    // eps is used in f32: one that rounds to 0 there would divide by zero on a constant channel.
    if (!Number.isFinite(eps) || !(Math.fround(eps) > 0)) {
      refuse('BatchNorm', `eps must be positive (and non-zero in f32), got ${eps}`);
    }
    if (!Number.isFinite(momentum) || momentum < 0 || momentum > 1) {
      refuse('BatchNorm', `momentum must be in [0, 1], got ${momentum}`);
    }
    this.batch = batch;
    this.channels = channels;
    this.spatial = spatial;
    this.eps = eps;
    this.momentum = momentum;
    this.n = batch * spatial;
    // BatchNorm1d: one invocation per channel. Otherwise one workgroup per channel, whose threads
    // step over 4 consecutive values at once when every plane splits into whole chunks of 4.
    this.perInvocation = spatial === 1;
    const chunk = spatial % 4 === 0 ? 4 : 1;
    const workgroup = config.workgroupSize ?? batchNormWorkgroupSize(gpu);
    const plane = { COLUMN: this.perInvocation, CHUNK: chunk, WG: workgroup };
    this.kernels = {
      train: gpu.kernel(shader, 'batchnorm_forward', { ...plane, STATS: STATS.here }),
      eval: gpu.kernel(shader, 'batchnorm_forward', { ...plane, STATS: STATS.running }),
      backward: gpu.kernel(shader, 'batchnorm_backward', { ...plane, SPLIT: false }),
    };
    // Whole samples per part, and as many parts as that needs (none empty).
    this.partBatch = Math.ceil(batch / Math.min(batch, config.parts ?? splitStatisticsParts(gpu, batch, channels, spatial)));
    this.parts = Math.ceil(batch / this.partBatch);
    // Built only when split, so a software adapter compiles no pipeline it will not run.
    const stages = (backward: boolean) => [
      gpu.kernel(shader, 'batchnorm_partials', { CHUNK: chunk, WG: workgroup, BACKWARD: backward }),
      gpu.kernel(shader, 'batchnorm_finalize', { WG: workgroup, BACKWARD: backward }),
    ] as const;
    this.split = this.parts === 1 ? null : {
      partials: gpu.tensor('batchnorm.partials', [channels * this.parts, 4]),
      forward: [...stages(false), gpu.kernel(shader, 'batchnorm_forward', { ...plane, STATS: STATS.finalized })],
      backward: [...stages(true), gpu.kernel(shader, 'batchnorm_backward', { ...plane, SPLIT: true })],
    };
    this.unused = [0, 1, 2].map((i) => gpu.tensor(`batchnorm.unused${i}`, [channels])) as [Tensor, Tensor, Tensor];
    // Every entry point declares the same Params struct, so one buffer serves all three.
    this.params = gpu.uniform('batchnorm.params', this.kernels.train.packUniform('params', {
      batch,
      channels,
      spatial,
      eps,
      momentum,
      inv_n: 1 / this.n,
      // Only training uses it, and training refuses n = 1.
      unbias: this.n > 1 ? this.n / (this.n - 1) : 0,
      parts: this.parts,
      part_batch: this.partBatch,
    }));
  }

  /**
   * Training mode. Overwrites y, saveMean (batch mean) and saveInvStd (1/sqrt(biased var + eps));
   * updates runningMean and runningVar in place: r = (1 − momentum)·r + momentum·stat, the
   * variance's stat being unbiased (n/(n−1)·var).
   */
  forwardTrain(
    x: Tensor, gamma: Tensor, beta: Tensor, y: Tensor,
    runningMean: Tensor, runningVar: Tensor, saveMean: Tensor, saveInvStd: Tensor,
  ): Dispatch[] {
    const op = 'batchnorm forwardTrain';
    this.expectTraining(op);
    this.expectActivations(op, { x, y });
    this.expectPerChannel(op, { gamma, beta, runningMean, runningVar, saveMean, saveInvStd });
    const resources = { x, gamma, beta, y, running_mean: runningMean, running_var: runningVar, batch_mean: saveMean, batch_inv_std: saveInvStd };
    if (!this.split) return [this.launch(this.kernels.train, resources)];
    const { partials, forward: [partialsKernel, finalize, elementwise] } = this.split;
    const [a, b] = this.unused;
    return [
      // Forward partials read neither dy nor a saved mean.
      this.launchParts(partialsKernel, { x, dy: x, saved_mean: a, partials }),
      this.launchChannels(finalize, {
        partials, running_mean: runningMean, running_var: runningVar, batch_mean: saveMean, batch_inv_std: saveInvStd, dgamma: a, dbeta: b,
      }),
      this.launchParts(elementwise, resources),
    ];
  }

  /** Eval mode: y = γ·(x − runningMean)/sqrt(runningVar + eps) + β (y overwritten, nothing else written). */
  forwardEval(x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVar: Tensor, y: Tensor): Dispatch[] {
    const op = 'batchnorm forwardEval';
    this.expectActivations(op, { x, y });
    this.expectPerChannel(op, { gamma, beta, runningMean, runningVar });
    const [a, b] = this.unused;
    return [this.launch(this.kernels.eval, { x, gamma, beta, y, running_mean: runningMean, running_var: runningVar, batch_mean: a, batch_inv_std: b })];
  }

  /**
   * Training-mode gradients through the batch statistics, from forwardTrain's input x and its
   * saveMean/saveInvStd. Overwrites dx, dGamma (Σdy·x̂) and dBeta (Σdy); nothing is accumulated.
   */
  backward(
    x: Tensor, dy: Tensor, gamma: Tensor, saveMean: Tensor, saveInvStd: Tensor,
    dx: Tensor, dGamma: Tensor, dBeta: Tensor,
  ): Dispatch[] {
    const op = 'batchnorm backward';
    this.expectTraining(op);
    this.expectActivations(op, { x, dy, dx });
    this.expectPerChannel(op, { gamma, saveMean, saveInvStd, dGamma, dBeta });
    const resources = { x, dy, gamma, saved_mean: saveMean, saved_inv_std: saveInvStd, dx, dgamma: dGamma, dbeta: dBeta };
    if (!this.split) return [this.launch(this.kernels.backward, resources)];
    const { partials, backward: [partialsKernel, finalize, elementwise] } = this.split;
    const [a, b, c] = this.unused;
    return [
      this.launchParts(partialsKernel, { x, dy, saved_mean: saveMean, partials }),
      // The backward finalize reads the saved 1/std through batch_inv_std and writes dγ, dβ only.
      this.launchChannels(finalize, { partials, running_mean: a, running_var: b, batch_mean: c, batch_inv_std: saveInvStd, dgamma: dGamma, dbeta: dBeta }),
      this.launchParts(elementwise, resources),
    ];
  }

  /** The unbiased variance of one value is undefined; PyTorch refuses the same way. */
  private expectTraining(op: string): void {
    if (this.n < 2) {
      throw new RangeError(
        `${op}: Expected more than 1 value per channel when training, got batch ${this.batch} × spatial ${this.spatial} = ${this.n}`,
      );
    }
  }

  /** [batch, channels, ...rest] with rest multiplying to spatial ([N, C] when spatial is 1). */
  private expectActivations(op: string, tensors: Record<string, Tensor>): void {
    for (const [name, t] of Object.entries(tensors)) {
      const rest = t.shape.slice(2).reduce((a, b) => a * b, 1);
      if (t.shape.length < 2 || t.shape[0] !== this.batch || t.shape[1] !== this.channels || rest !== this.spatial) {
        throw new RangeError(
          `${op}: ${name} has shape [${t.shape.join(', ')}] but [${this.batch}, ${this.channels}, ...] was expected ` +
            `with trailing dims multiplying to spatial = ${this.spatial}`,
        );
      }
    }
  }

  private expectPerChannel(op: string, tensors: Record<string, Tensor>): void {
    for (const [name, t] of Object.entries(tensors)) expectShape(op, name, t, [this.channels]);
  }

  /** One invocation per channel (BatchNorm1d), else one workgroup per (channel, part). */
  private launch(kernel: Kernel, resources: Record<string, Tensor | GPUBuffer>): Dispatch {
    return this.perInvocation ? this.launchChannels(kernel, resources) : this.launchParts(kernel, resources);
  }

  private launchParts(kernel: Kernel, resources: Record<string, Tensor | GPUBuffer>): Dispatch {
    return kernel.dispatch(kernel.bind({ params: this.params, ...resources }), this.channels * this.parts);
  }

  private launchChannels(kernel: Kernel, resources: Record<string, Tensor | GPUBuffer>): Dispatch {
    return kernel.dispatchThreads(kernel.bind({ params: this.params, ...resources }), this.channels);
  }
}
