/** 2-D convolution, stride 1, zero padding, NCHW (shaders/conv2d.wgsl). */
import shader from '../../shaders/conv2d.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel, PipelineConstants } from '../gpu/kernel.ts';
import { expectShape, type Tensor } from '../gpu/tensor.ts';
import { Linear } from './linear.ts';
import { nonNegativeInteger, positiveIntegers, refuse } from './validate.ts';

/**
 * Register tiles of the correlation kernels: output channels × TILE_SAMPLES samples per
 * invocation, the widest that the output channels fill. They are the shader's TILE_CHANNELS and
 * TILE_SAMPLES; each channel count has its registers written out in the shader.
 */
const TILES = [
  { maxChannels: 2, channels: 1 },
  { maxChannels: 6, channels: 6 },
  { maxChannels: Infinity, channels: 8 },
] as const;
const TILE_SAMPLES = 16;
/**
 * Row tiles (the shader's ROW_TILES, for k = 5): the tile's 8 or 6 output channels × 4 samples ×
 * 10 adjacent output columns in the forward pass, × a whole output row from an input row of at
 * most 10 columns in backwardInput (transposed). They pay off when the channels are mostly filled
 * (three or more: one or two channels keep the 1 × 16 tile) and few columns go unused.
 */
const ROW_TILE = { kernelSize: 5, samples: 4, columns: 10, minChannels: 3, maxUnusedShare: 0.2 } as const;
/** Which row tiles a correlation may take: the forward pass's, backwardInput's transposed ones. */
type RowTiles = 'forward' | 'transposed';
/**
 * Weight-gradient tiles: 8 output channels, or 6 (the shader's WEIGHT_SIX) where that computes fewer unused
 * ones (conv1's 6), × a 5 × 5 block of one input channel's kernel (the shader's TAPS; larger kernels
 * take several blocks, smaller ones leave taps unstored).
 */
const weightTileChannels = (outChannels: number) => (Math.ceil(outChannels / 6) * 6 < Math.ceil(outChannels / 8) * 8 ? 6 : 8);
const WEIGHT_TILE_TAPS = 5;
/**
 * Output pixels per chunk of the weight-gradient sums, rounded up to whole output rows. Each
 * chunk's sum is one invocation's sequential loop; longer chunks pay the per-invocation setup and
 * the partial-sum traffic less often, shorter ones leave more invocations to run in parallel.
 */
const CHUNK_PIXELS = 256;
/** Floats per tile and chunk in the partial-sum buffer (the shader's PARTIAL_SLOTS vec4s). */
const PARTIAL_FLOATS = 52 * 4;

export interface Conv2dConfig {
  batch: number;
  inChannels: number;
  outChannels: number;
  height: number;
  width: number;
  /** Square kernel side k. */
  kernelSize: number;
  /** Zero padding on every side (≥ 0). */
  padding: number;
}

type Shape4 = readonly [number, number, number, number];

export class Conv2d {
  readonly config: Readonly<Conv2dConfig>;
  /** x and dx: [N, Cin, H, W]. */
  readonly inputShape: Shape4;
  /** y and dy: [N, Cout, H', W'] with H' = H + 2p − k + 1. */
  readonly outputShape: Shape4;
  /** weight and dWeight: [Cout, Cin, k, k]. */
  readonly weightShape: Shape4;
  /** bias and dBias: [Cout]. */
  readonly biasShape: readonly [number];
  private readonly passes: CorrelationPasses | ProductPasses;

  constructor(gpu: Gpu, config: Conv2dConfig) {
    positiveIntegers('Conv2d', config, ['batch', 'inChannels', 'outChannels', 'height', 'width', 'kernelSize']);
    nonNegativeInteger('Conv2d', 'padding', config.padding);
    const { batch: n, inChannels: cin, outChannels: cout, height: h, width: w, kernelSize: k, padding: p } = config;
    const oh = h + 2 * p - k + 1;
    const ow = w + 2 * p - k + 1;
    if (oh < 1 || ow < 1) {
      refuse('Conv2d', `kernelSize ${k} with padding ${p} does not fit the ${h}×${w} input (output would be ${oh}×${ow})`);
    }
    this.config = { ...config };
    this.inputShape = [n, cin, h, w];
    this.outputShape = [n, cout, oh, ow];
    this.weightShape = [cout, cin, k, k];
    this.biasShape = [cout];
    const window = cin * k * k;
    this.passes = p === 0 && h === k && w === k && window % 4 === 0
      ? new ProductPasses(gpu, n, window, cout)
      : new CorrelationPasses(gpu, this.config, oh, ow);
  }

  /** y = conv(x, weight) + bias; y is overwritten. */
  forward(x: Tensor, weight: Tensor, bias: Tensor, y: Tensor): Dispatch[] {
    this.expect('forward', { x: [x, this.inputShape], weight: [weight, this.weightShape], bias: [bias, this.biasShape], y: [y, this.outputShape] });
    return this.passes.forward(x, weight, bias, y);
  }

  /** dx = dL/dx for upstream gradient dy; dx is overwritten. */
  backwardInput(dy: Tensor, weight: Tensor, dx: Tensor): Dispatch[] {
    this.expect('backwardInput', { dy: [dy, this.outputShape], weight: [weight, this.weightShape], dx: [dx, this.inputShape] });
    return this.passes.backwardInput(dy, weight, dx);
  }

  /** dWeight = dL/dweight and dBias = dL/dbias for upstream gradient dy; both are overwritten. */
  backwardWeight(x: Tensor, dy: Tensor, dWeight: Tensor, dBias: Tensor): Dispatch[] {
    this.expect('backwardWeight', {
      x: [x, this.inputShape], dy: [dy, this.outputShape], dWeight: [dWeight, this.weightShape], dBias: [dBias, this.biasShape],
    });
    return this.passes.backwardWeight(x, dy, dWeight, dBias);
  }

  private expect(method: string, tensors: Record<string, [Tensor, readonly number[]]>): void {
    for (const [name, [tensor, shape]] of Object.entries(tensors)) expectShape(`conv2d ${method}`, name, tensor, shape);
  }
}

/**
 * A convolution whose window covers its whole unpadded input (LeNet's conv3: 16×5×5 → 120×1×1) is
 * a fully connected layer over the flattened input, with the weight [Cout, Cin·k·k] in the same
 * memory order: Linear's matrix-product kernels run it, reading rows as vec4 (which needs Cin·k·k
 * to be a multiple of 4). On SwiftShader conv3's three passes took about three quarters of the
 * correlation kernels' time this way (bench/README.md).
 */
class ProductPasses {
  private readonly product: Linear;

  constructor(gpu: Gpu, private readonly batch: number, private readonly window: number, private readonly outChannels: number) {
    this.product = new Linear(gpu, { batch, inFeatures: window, outFeatures: outChannels });
  }

  forward(x: Tensor, weight: Tensor, bias: Tensor, y: Tensor): Dispatch[] {
    return this.product.forward(this.rows(x), this.weightRows(weight), bias, this.outputs(y));
  }

  backwardInput(dy: Tensor, weight: Tensor, dx: Tensor): Dispatch[] {
    return this.product.backwardInput(this.outputs(dy), this.weightRows(weight), this.rows(dx));
  }

  backwardWeight(x: Tensor, dy: Tensor, dWeight: Tensor, dBias: Tensor): Dispatch[] {
    return this.product.backwardWeight(this.rows(x), this.outputs(dy), this.weightRows(dWeight), dBias);
  }

  private rows(t: Tensor): Tensor {
    return t.reshape([this.batch, this.window]);
  }

  private weightRows(t: Tensor): Tensor {
    return t.reshape([this.outChannels, this.window]);
  }

  private outputs(t: Tensor): Tensor {
    return t.reshape([this.batch, this.outChannels]);
  }
}

/** The correlation kernels of shaders/conv2d.wgsl: every other convolution. */
class CorrelationPasses {
  private readonly forwardKernel: Kernel;
  private readonly backwardInputKernel: Kernel;
  private readonly partialsKernel: Kernel;
  private readonly reduceKernel: Kernel;
  private readonly forwardParams: GPUBuffer;
  private readonly backwardInputParams: GPUBuffer;
  private readonly backwardWeightParams: GPUBuffer;
  private readonly forwardInvocations: number;
  private readonly backwardInputInvocations: number;
  private readonly partialsInvocations: number;
  private readonly reduceInvocations: number;
  /** Per-chunk partial sums of backwardWeight, reduced in a second pass (unless there is one chunk). */
  private readonly partials: Tensor;
  private readonly chunks: number;

  constructor(gpu: Gpu, config: Readonly<Conv2dConfig>, oh: number, ow: number) {
    const { batch: n, inChannels: cin, outChannels: cout, height: h, width: w, kernelSize: k, padding: p } = config;
    const forward = correlation(cout, cin, oh, ow, h, w, n, k, p, 'forward');
    this.forwardKernel = gpu.kernel(shader, 'conv_forward', forward.constants);
    this.forwardInvocations = forward.invocations;
    this.forwardParams = gpu.uniform('conv2d.forward', this.forwardKernel.packUniform('corr', {
      ...forward.values,
      w_base: 0, w_out: cin * k * k, w_in: k * k, w_row: k, w_col: 1,
    }));
    // dx is the correlation of dy with the kernel transposed (Cout ↔ Cin) and flipped, padded by
    // k − 1 − p: weight[o][c][u][v] is read as w'(c, o, k−1−u, k−1−v).
    const backward = correlation(cin, cout, h, w, oh, ow, n, k, k - 1 - p, 'transposed');
    this.backwardInputKernel = gpu.kernel(shader, 'conv_backward_input', backward.constants);
    this.backwardInputInvocations = backward.invocations;
    this.backwardInputParams = gpu.uniform('conv2d.backwardInput', this.backwardInputKernel.packUniform('corr', {
      ...backward.values,
      w_base: k * k - 1, w_out: k * k, w_in: cin * k * k, w_row: -k, w_col: -1,
    }));

    const tileChannels = weightTileChannels(cout);
    this.partialsKernel = gpu.kernel(shader, 'conv_weight_partials', { MASKED: p > 0 || k % WEIGHT_TILE_TAPS !== 0, WEIGHT_SIX: tileChannels === 6 });
    this.reduceKernel = gpu.kernel(shader, 'conv_weight_reduce');
    const rows = n * oh;
    const blocks = Math.ceil(k / WEIGHT_TILE_TAPS);
    const tiles = Math.ceil(cout / tileChannels) * cin * blocks * blocks;
    // Whole output rows per chunk, equal chunk lengths, and no empty chunk at the end.
    const rowsWanted = Math.ceil(CHUNK_PIXELS / ow);
    const chunkRows = Math.ceil(rows / Math.ceil(rows / rowsWanted));
    const chunks = Math.ceil(rows / chunkRows);
    this.chunks = chunks;
    this.partialsInvocations = tiles * chunks;
    this.reduceInvocations = cout * (cin * k * k + 1);
    this.partials = gpu.tensor('conv2d.partials', [tiles * chunks * PARTIAL_FLOATS]);
    this.backwardWeightParams = gpu.uniform('conv2d.backwardWeight', this.partialsKernel.packUniform('wgrad', {
      out_channels: cout, in_channels: cin, in_h: h, in_w: w, out_h: oh, out_w: ow, k, pad: p,
      rows, blocks, tiles, chunks, chunk_rows: chunkRows, tile_channels: tileChannels,
    }));
  }

  forward(x: Tensor, weight: Tensor, bias: Tensor, y: Tensor): Dispatch[] {
    const bindGroup = this.forwardKernel.bind({ corr: this.forwardParams, conv_in: x, conv_weight: weight, conv_bias: bias, conv_out: y });
    return [this.forwardKernel.dispatchThreads(bindGroup, this.forwardInvocations)];
  }

  backwardInput(dy: Tensor, weight: Tensor, dx: Tensor): Dispatch[] {
    const bindGroup = this.backwardInputKernel.bind({ corr: this.backwardInputParams, conv_in: dy, conv_weight: weight, conv_out: dx });
    return [this.backwardInputKernel.dispatchThreads(bindGroup, this.backwardInputInvocations)];
  }

  backwardWeight(x: Tensor, dy: Tensor, dWeight: Tensor, dBias: Tensor): Dispatch[] {
    const partials = this.partialsKernel.bind({ wgrad: this.backwardWeightParams, x, dy, partials: this.partials, dweight: dWeight, dbias: dBias });
    const pass1 = this.partialsKernel.dispatchThreads(partials, this.partialsInvocations);
    // One chunk: pass 1 has stored the sums.
    if (this.chunks === 1) return [pass1];
    const reduce = this.reduceKernel.bind({ wgrad: this.backwardWeightParams, partials: this.partials, dweight: dWeight, dbias: dBias });
    return [pass1, this.reduceKernel.dispatchThreads(reduce, this.reduceInvocations)];
  }
}

/**
 * Uniform values of a correlation producing `outChannels` planes of outH×outW from `inChannels`
 * planes of inH×inW, the pipeline constants of its tile shape, and the number of invocations it
 * needs: one per tile of channels × samples at one output position, or one per row tile of
 * channels × samples × columns of one output row (forward) or × a whole output row (transposed).
 */
function correlation(
  outChannels: number, inChannels: number, outH: number, outW: number, inH: number, inW: number,
  batch: number, k: number, pad: number, rowTiles: RowTiles,
): { values: Record<string, number>; constants: PipelineConstants; invocations: number } {
  const tile = TILES.find((t) => outChannels <= t.maxChannels)!;
  const shape = rowTileShape(rowTiles, outChannels, outW, inW, k, pad);
  const sampleTiles = Math.ceil(batch / (shape ? ROW_TILE.samples : TILE_SAMPLES));
  const channelTiles = Math.ceil(outChannels / tile.channels);
  const columnBlocks = shape?.columnBlocks ?? 1;
  const tiles = channelTiles * sampleTiles * outH * (shape ? columnBlocks : outW);
  return {
    values: {
      out_channels: outChannels, in_channels: inChannels, in_h: inH, in_w: inW, out_h: outH, out_w: outW, k, pad,
      batch, sample_tiles: sampleTiles, channel_tiles: channelTiles, tiles, column_blocks: columnBlocks,
    },
    constants: {
      TILE_CHANNELS: tile.channels, TILE_SAMPLES,
      ROW_TILES: shape !== undefined, MASKED: shape?.masked ?? false,
    },
    invocations: tiles,
  };
}

/**
 * Whether a correlation takes row tiles, and their column blocks and padding checks: forward row
 * tiles cover ROW_TILE.columns output columns a block (worth it when the last block computes few
 * unused ones); transposed ones (backwardInput) a whole output row from an input row of at most
 * ROW_TILE.columns columns (worth it when it is nearly that wide: shorter rows multiply zeros),
 * which needs pad ≤ k − 1 (forward padding ≥ 0) and inW + pad ≤ ROW_TILE.columns + k − 1.
 */
function rowTileShape(
  rowTiles: RowTiles, outChannels: number, outW: number, inW: number, k: number, pad: number,
): { columnBlocks: number; masked: boolean } | undefined {
  if (k !== ROW_TILE.kernelSize || outChannels < ROW_TILE.minChannels) return undefined;
  const { columns, maxUnusedShare } = ROW_TILE;
  if (rowTiles === 'forward') {
    const columnBlocks = Math.ceil(outW / columns);
    return columnBlocks * columns <= (1 + maxUnusedShare) * outW ? { columnBlocks, masked: pad > 0 } : undefined;
  }
  const fits = pad >= 0 && pad <= k - 1 && inW <= columns && inW + pad <= columns + k - 1;
  return fits && inW >= (1 - maxUnusedShare) * columns ? { columnBlocks: 1, masked: inW < columns } : undefined;
}

