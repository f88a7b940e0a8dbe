/**
 * float64 reference of batch normalization (PyTorch semantics), NCHW seen as [N, C, spatial]:
 * per-channel statistics over the n = N·spatial values of a channel.
 */

export interface BatchNormShape {
  batch: number;
  channels: number;
  spatial: number;
}

export interface BatchNormTrainResult {
  y: number[];
  /** Batch mean per channel. */
  mean: number[];
  /** 1/sqrt(biased batch variance + eps) per channel. */
  invStd: number[];
  /** Running statistics after this step (new arrays; the inputs are not modified). */
  runningMean: number[];
  runningVar: number[];
}

/** The values of channel c, in NCHW order. */
function channelValues(v: number[], shape: BatchNormShape, c: number): number[] {
  const { batch, channels, spatial } = shape;
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    const base = (b * channels + c) * spatial;
    for (let s = 0; s < spatial; s++) out.push(v[base + s]!);
  }
  return out;
}

/** Apply f(value, channel, index) to every element of an NCHW tensor. */
function mapChannels(v: number[], shape: BatchNormShape, f: (value: number, c: number, i: number) => number): number[] {
  const { channels, spatial } = shape;
  return v.map((value, i) => f(value, Math.floor(i / spatial) % channels, i));
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export function batchNormTrainForward(
  x: number[],
  gamma: number[],
  beta: number[],
  runningMean: number[],
  runningVar: number[],
  shape: BatchNormShape,
  eps: number,
  momentum: number,
): BatchNormTrainResult {
  const n = shape.batch * shape.spatial;
  if (n < 2) throw new Error('Expected more than 1 value per channel when training');
  const mean: number[] = [];
  const variance: number[] = [];
  for (let c = 0; c < shape.channels; c++) {
    const values = channelValues(x, shape, c);
    const m = sum(values) / n;
    mean.push(m);
    variance.push(sum(values.map((v) => (v - m) ** 2)) / n);
  }
  const invStd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const y = mapChannels(x, shape, (v, c) => gamma[c]! * (v - mean[c]!) * invStd[c]! + beta[c]!);
  return {
    y,
    mean,
    invStd,
    runningMean: runningMean.map((r, c) => (1 - momentum) * r + momentum * mean[c]!),
    // PyTorch updates the running variance with the unbiased estimate.
    runningVar: runningVar.map((r, c) => (1 - momentum) * r + momentum * variance[c]! * n / (n - 1)),
  };
}

export function batchNormEvalForward(
  x: number[],
  gamma: number[],
  beta: number[],
  runningMean: number[],
  runningVar: number[],
  shape: BatchNormShape,
  eps: number,
): number[] {
  return mapChannels(x, shape, (v, c) => gamma[c]! * (v - runningMean[c]!) / Math.sqrt(runningVar[c]! + eps) + beta[c]!);
}

export interface BatchNormGradients {
  dx: number[];
  dGamma: number[];
  dBeta: number[];
}

/**
 * Training-mode backward (through the batch statistics) from the saved mean and invStd:
 * dβ = Σdy, dγ = Σdy·x̂, dx = γ·invstd/n·(n·dy − dβ − x̂·dγ) with x̂ = (x − mean)·invstd.
 */
export function batchNormBackward(
  x: number[],
  dy: number[],
  gamma: number[],
  mean: number[],
  invStd: number[],
  shape: BatchNormShape,
): BatchNormGradients {
  const n = shape.batch * shape.spatial;
  const xHat = mapChannels(x, shape, (v, c) => (v - mean[c]!) * invStd[c]!);
  const dBeta: number[] = [];
  const dGamma: number[] = [];
  for (let c = 0; c < shape.channels; c++) {
    const g = channelValues(dy, shape, c);
    const h = channelValues(xHat, shape, c);
    dBeta.push(sum(g));
    dGamma.push(sum(g.map((v, i) => v * h[i]!)));
  }
  const dx = mapChannels(dy, shape, (g, c, i) => gamma[c]! * invStd[c]! / n * (n * g - dBeta[c]! - xHat[i]! * dGamma[c]!));
  return { dx, dGamma, dBeta };
}
