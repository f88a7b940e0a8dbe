/**
 * The engine's handle on one GPUDevice: buffer allocation (tracked, so dispose() frees everything
 * and tests can count), kernel cache, readback, and device-loss reporting.
 */
import { acquireDevice, type AcquireOptions, type AdapterDescription } from './device.ts';
import { encodeDispatches, type Dispatch } from './dispatch.ts';
import { KernelCache, type Kernel, type PipelineConstants, type WgslShader } from './kernel.ts';
import { BYTES_PER_ELEMENT, Tensor, shapeSize, type DType, type TypedArrayOf } from './tensor.ts';

export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
}

export interface DeviceLostInfo {
  reason: string;
  message: string;
}

// GPUBufferUsage is a global only where WebGPU exists, so it is read at call time, not import time.
function storageUsage(): number {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

export class Gpu {
  private readonly buffers = new Set<GPUBuffer>();
  private readonly kernels: KernelCache;
  private readonly lostListeners = new Set<(info: DeviceLostInfo) => void>();
  private lostInfo: DeviceLostInfo | null = null;
  private disposed = false;

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription = { vendor: '', architecture: '', device: '', description: '' },
    readonly features: readonly string[] = [],
    /** The GPU object the device came from, held as long as this engine (see AcquiredDevice.instance). */
    readonly instance: GPU | null = null,
  ) {
    this.kernels = new KernelCache(device);
    device.lost.then((info) => {
      if (this.disposed) return;
      this.lostInfo = { reason: info.reason, message: info.message };
      for (const listener of this.lostListeners) listener(this.lostInfo);
    });
  }

  static async create(options: AcquireOptions = {}): Promise<Gpu> {
    const { instance, device, adapter, features } = await acquireDevice(options);
    return new Gpu(device, adapter, features, instance);
  }

  /** Called once if the device is lost; returns an unsubscribe function. */
  onLost(listener: (info: DeviceLostInfo) => void): () => void {
    if (this.lostInfo) listener(this.lostInfo);
    else this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  get isLost(): boolean {
    return this.lostInfo !== null;
  }

  /** Throw if the engine can no longer use the device. */
  assertUsable(): void {
    if (this.disposed) throw new Error('this engine was disposed; create a new one');
    if (this.lostInfo) {
      throw new DeviceLostError(`the GPU device was lost (${this.lostInfo.reason}): ${this.lostInfo.message || 'no message'}`);
    }
  }

  get allocatedBuffers(): number {
    return this.buffers.size;
  }

  /** The buffers this engine currently owns. */
  get trackedBuffers(): ReadonlySet<GPUBuffer> {
    return this.buffers;
  }

  get allocatedBytes(): number {
    let total = 0;
    for (const b of this.buffers) total += b.size;
    return total;
  }

  /** Allocate a tracked buffer, refusing sizes the device cannot bind. */
  buffer(label: string, bytes: number, usage: number): GPUBuffer {
    this.assertUsable();
    const limits = this.device.limits;
    if ((usage & GPUBufferUsage.STORAGE) && bytes > limits.maxStorageBufferBindingSize) {
      throw new RangeError(
        `${label}: ${bytes} bytes exceeds this device's maxStorageBufferBindingSize (${limits.maxStorageBufferBindingSize})`,
      );
    }
    if (bytes > limits.maxBufferSize) {
      throw new RangeError(`${label}: ${bytes} bytes exceeds this device's maxBufferSize (${limits.maxBufferSize})`);
    }
    // Multiples of 16 bytes (WebGPU wants 4), so that a tensor of any size binds as an array of
    // vec4 (linear.wgsl reads dy so); at least 16, so empty tensors bind.
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const buffer = this.device.createBuffer({ label, size, usage });
    this.buffers.add(buffer);
    return buffer;
  }

  /** A storage tensor, zero-filled or initialised from `data`. */
  tensor<D extends DType = 'f32'>(label: string, shape: readonly number[], dtype?: D, data?: ArrayLike<number>): Tensor {
    const type = (dtype ?? 'f32') as DType;
    const size = shapeSize(shape, label);
    const tensor = new Tensor(this.buffer(label, size * BYTES_PER_ELEMENT, storageUsage()), shape, type, label);
    if (data) this.write(tensor, data);
    return tensor;
  }

  /** A uniform buffer holding `bytes`. */
  uniform(label: string, bytes: ArrayBuffer): GPUBuffer {
    const buffer = this.buffer(label, bytes.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(buffer, 0, bytes);
    return buffer;
  }

  write(tensor: Tensor, data: ArrayLike<number>, elementOffset = 0): void {
    this.assertUsable();
    if (elementOffset + data.length > tensor.size) {
      throw new RangeError(`${tensor.label}: writing ${data.length} elements at ${elementOffset} overflows its ${tensor.size}`);
    }
    const typed = tensor.dtype === 'f32' ? Float32Array.from(data) : tensor.dtype === 'u32' ? Uint32Array.from(data) : Int32Array.from(data);
    this.device.queue.writeBuffer(tensor.buffer, tensor.byteOffset + elementOffset * BYTES_PER_ELEMENT, typed);
  }

  /**
   * The kernel of `entryPoint` in `shader` (a .wgsl import) with its `override` constants set to
   * `constants`; built once per shader, entry point and constants, then cached.
   */
  kernel(shader: WgslShader, entryPoint: string, constants: PipelineConstants = {}): Kernel {
    this.assertUsable();
    return this.kernels.get(shader, entryPoint, constants);
  }

  /**
   * Create every pipeline of the kernels asked for so far (e.g. by building a Trainer) with
   * createComputePipelineAsync, all in parallel, and resolve with how many there were. Call it
   * before the first step, so no step waits for a compile; a kernel not compiled this way is
   * compiled synchronously at its first dispatch.
   */
  compilePipelines(): Promise<number> {
    this.assertUsable();
    return this.kernels.compileAll();
  }

  /** Record dispatches in one pass of one encoder and submit them. */
  run(dispatches: readonly Dispatch[], label = 'run'): void {
    this.assertUsable();
    const encoder = this.device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label });
    encodeDispatches(pass, dispatches);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** Copy a tensor back to the CPU (waits for all submitted work). */
  async read<D extends DType>(tensor: Tensor & { dtype: D }): Promise<TypedArrayOf<D>>;
  async read(tensor: Tensor): Promise<Float32Array | Uint32Array | Int32Array>;
  async read(tensor: Tensor): Promise<Float32Array | Uint32Array | Int32Array> {
    this.assertUsable();
    const staging = this.device.createBuffer({
      label: `${tensor.label}:readback`,
      size: Math.max(16, tensor.bytes),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      const encoder = this.device.createCommandEncoder({ label: 'readback' });
      encoder.copyBufferToBuffer(tensor.buffer, tensor.byteOffset, staging, 0, tensor.bytes);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const bytes = staging.getMappedRange(0, tensor.bytes).slice(0);
      staging.unmap();
      if (tensor.dtype === 'u32') return new Uint32Array(bytes);
      if (tensor.dtype === 'i32') return new Int32Array(bytes);
      return new Float32Array(bytes);
    } catch (error) {
      return this.explainFailure(error);
    } finally {
      staging.destroy();
    }
  }

  /**
   * Rethrow a failed readback, as DeviceLostError when the device was lost: a mapAsync pending at
   * the loss rejects before `device.lost` settles, so give the loss a moment to arrive.
   */
  async explainFailure(error: unknown): Promise<never> {
    if (!this.lostInfo && !this.disposed) await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, 1000))]);
    this.assertUsable();
    throw error;
  }

  /** Free one buffer or tensor now. */
  release(resource: GPUBuffer | Tensor): void {
    const buffer = resource instanceof Tensor ? resource.buffer : resource;
    if (this.buffers.delete(buffer)) buffer.destroy();
  }

  /** Free every buffer this engine allocated. The device itself belongs to whoever created it. */
  dispose(): void {
    for (const buffer of this.buffers) buffer.destroy();
    this.buffers.clear();
    this.disposed = true;
  }
}
