/** Public API of the engine. */
export { Gpu, DeviceLostError } from './gpu/gpu.ts';
export { WebGPUUnavailableError, acquireDevice, type AdapterDescription } from './gpu/device.ts';
export { Tensor } from './gpu/tensor.ts';
export * from './ops/index.ts';
