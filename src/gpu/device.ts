/** Adapter and device acquisition with errors that tell the user what to do. */

export class WebGPUUnavailableError extends Error {
  override name = 'WebGPUUnavailableError';
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export interface AcquireOptions {
  /** The `navigator.gpu` to use; defaults to the global one. Node callers pass the `webgpu` package's. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
}

export interface AcquiredDevice {
  /**
   * The GPU object the device came from. Keep it as long as the device: in Node, Dawn's
   * (`webgpu` package) instance is destroyed when garbage-collected, and its devices crash after.
   */
  instance: GPU;
  device: GPUDevice;
  adapter: AdapterDescription;
  features: string[];
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|software|warp|microsoft basic render/i;

/** The software renderer an adapter's description names (SwiftShader and the like), or null. */
export function softwareRenderer(adapter: Partial<AdapterDescription>): string | null {
  const text = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' ');
  return SOFTWARE_RENDERER.exec(text)?.[0] ?? null;
}

/** GPUAdapterInfo's fields are getters, so it does not survive JSON or structured clone as is. */
export function describeAdapter(info: GPUAdapterInfo | undefined): AdapterDescription {
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
  };
}

function findGpu(explicit: GPU | undefined): GPU {
  if (explicit) return explicit;
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  if (nav?.gpu) return nav.gpu;
  const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
  if (secure === false) {
    throw new WebGPUUnavailableError(
      'WebGPU is unavailable: this page is not a secure context. Open it from https:// or from ' +
        'http://localhost / http://127.0.0.1 (not from file:// or a LAN address).',
    );
  }
  throw new WebGPUUnavailableError(
    'WebGPU is unavailable: navigator.gpu is missing. Use a browser with WebGPU enabled ' +
      '(Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu), or in Node pass the `gpu` ' +
      'object of the `webgpu` package.',
  );
}

/** The limits the engine needs beyond the defaults: as large storage bindings as the adapter allows. */
function requiredLimits(adapter: GPUAdapter): Record<string, number> {
  return {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
  };
}

export async function acquireDevice(options: AcquireOptions = {}): Promise<AcquiredDevice> {
  const gpu = findGpu(options.gpu);
  const adapter = await gpu.requestAdapter(
    options.powerPreference ? { powerPreference: options.powerPreference } : undefined,
  );
  if (!adapter) {
    throw new WebGPUUnavailableError(
      'WebGPU is unavailable: requestAdapter() returned no adapter. The GPU may be blocklisted or ' +
        'disabled; in Chrome check chrome://gpu, try --enable-unsafe-webgpu, or update the driver.',
    );
  }
  const wanted: GPUFeatureName[] = ['timestamp-query'];
  const features = wanted.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({
    requiredFeatures: features,
    requiredLimits: requiredLimits(adapter),
  });
  return { instance: gpu, device, adapter: describeAdapter(adapter.info), features };
}
