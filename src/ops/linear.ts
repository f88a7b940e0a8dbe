/**
 * Fully connected layer forward and backward (shaders/linear.wgsl), PyTorch weight layout
 * [out, in], optionally fused with the tanh after it (forward) and the tanh before it (backward).
 */
import shader from '../../shaders/linear.wgsl';
import type { Dispatch } from '../gpu/dispatch.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Kernel } from '../gpu/kernel.ts';
import { expectShape, type Tensor } from '../gpu/tensor.ts';
import { positiveIntegers, refuse } from './validate.ts';

/**
 * Outputs per invocation: TILE rows (the shader's TILE, whose registers are written for 8) × TILE
 * columns in forward, × BACKWARD_COLUMNS along `in` in the backward passes (the shader's
 * 4·VEC_COLUMNS).
 */
const TILE = 8;
const BACKWARD_COLUMNS = 16;

export interface LinearConfig {
  batch: number;
  inFeatures: number;
  outFeatures: number;
  /** 'tanh': forward writes tanh(x · Wᵀ + b), the layer and its activation in one dispatch. */
  activation?: 'tanh';
}

const tiles = (rows: number, cols: number, width = TILE) => Math.ceil(rows / TILE) * Math.ceil(cols / width);

export class Linear {
  readonly batch: number;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: 'tanh' | undefined;
  private readonly forwardKernel: Kernel;
  private readonly inputKernel: Kernel;
  private readonly inputThroughTanhKernel: Kernel;
  private readonly weightKernel: Kernel;
  private readonly params: GPUBuffer;

  constructor(gpu: Gpu, config: LinearConfig) {
    positiveIntegers('Linear', config, ['batch', 'inFeatures', 'outFeatures']);
    ({ batch: this.batch, inFeatures: this.inFeatures, outFeatures: this.outFeatures } = config);
    if (this.inFeatures % 4 !== 0) {
      refuse('Linear', `inFeatures must be a multiple of 4 (rows along it are read as vec4), got ${this.inFeatures}`);
    }
    if (config.activation !== undefined && config.activation !== 'tanh') {
      refuse('Linear', `activation must be 'tanh' or left out, got ${String(config.activation)}`);
    }
    this.activation = config.activation;
    this.forwardKernel = gpu.kernel(shader, 'linear_forward', { TILE, TANH: this.activation === 'tanh' });
    // dy's rows are whole vec4s when out is a multiple of 4 (the shader's DY_ROWS).
    const dyRows = this.outFeatures % 4 === 0;
    this.inputKernel = gpu.kernel(shader, 'linear_backward_input', { TILE, DY_ROWS: dyRows });
    this.inputThroughTanhKernel = gpu.kernel(shader, 'linear_backward_input_tanh', { TILE, DY_ROWS: dyRows });
    this.weightKernel = gpu.kernel(shader, 'linear_backward_weight', { TILE, DY_ROWS: dyRows });
    this.params = gpu.uniform(
      'linear.params',
      this.forwardKernel.packUniform('params', { batch: this.batch, in_features: this.inFeatures, out_features: this.outFeatures }),
    );
  }

  /**
   * y = x · weightᵀ + bias, or tanh of it with activation 'tanh' (y overwritten). x [N, in],
   * weight [out, in], bias [out], y [N, out].
   */
  forward(x: Tensor, weight: Tensor, bias: Tensor, y: Tensor): Dispatch[] {
    this.check('linear forward', { x, weight, bias, y });
    return [this.launch(this.forwardKernel, { params: this.params, x, weight, bias, y }, tiles(this.batch, this.outFeatures))];
  }

  /**
   * dx = dy · weight (dx overwritten). dy [N, out], weight [out, in], dx [N, in]. With `through`,
   * the output t [N, in] of a tanh that produced this layer's input, dx = (dy · weight) ⊙ (1 − t²):
   * the gradient of that tanh's input.
   */
  backwardInput(dy: Tensor, weight: Tensor, dx: Tensor, through?: Tensor): Dispatch[] {
    this.check('linear backwardInput', through ? { dy, weight, dx, through } : { dy, weight, dx });
    const count = tiles(this.batch, this.inFeatures, BACKWARD_COLUMNS);
    if (!through) return [this.launch(this.inputKernel, { params: this.params, dy, weight, dx }, count)];
    return [this.launch(this.inputThroughTanhKernel, { params: this.params, dy, weight, dx, through }, count)];
  }

  /**
   * dWeight = dyᵀ · x and dBias = Σ_n dy, summed over the batch in a fixed order (both
   * overwritten, not accumulated). x [N, in], dy [N, out], dWeight [out, in], dBias [out].
   */
  backwardWeight(x: Tensor, dy: Tensor, dWeight: Tensor, dBias: Tensor): Dispatch[] {
    this.check('linear backwardWeight', { x, dy, dWeight, dBias });
    return [
      this.launch(this.weightKernel, { params: this.params, x, dy, d_weight: dWeight, d_bias: dBias }, tiles(this.outFeatures, this.inFeatures, BACKWARD_COLUMNS)),
    ];
  }

  private check(op: string, tensors: Record<string, Tensor>): void {
    const shapes: Record<string, number[]> = {
      x: [this.batch, this.inFeatures],
      dx: [this.batch, this.inFeatures],
      through: [this.batch, this.inFeatures],
      y: [this.batch, this.outFeatures],
      dy: [this.batch, this.outFeatures],
      weight: [this.outFeatures, this.inFeatures],
      dWeight: [this.outFeatures, this.inFeatures],
      bias: [this.outFeatures],
      dBias: [this.outFeatures],
    };
    for (const [name, tensor] of Object.entries(tensors)) expectShape(op, name, tensor, shapes[name]!);
  }

  private launch(kernel: Kernel, resources: Record<string, Tensor | GPUBuffer>, tileCount: number): Dispatch {
    return kernel.dispatchThreads(kernel.bind(resources), tileCount);
  }
}
