/**
 * A compute kernel built from a WGSL entry point. The bind-group layout and uniform layouts are
 * derived from the shader itself with wgsl_reflect, and every bind is checked against them, so a
 * wrong or short buffer is reported with the shader's own names instead of a WebGPU validation
 * message at submit time.
 */
import { WgslReflect, type VariableInfo } from 'wgsl_reflect';
import { foldWorkgroups, type Dispatch } from './dispatch.ts';
import { Tensor, type DType } from './tensor.ts';

export type BindingKind = 'uniform' | 'storage' | 'read-only-storage';

export interface BindingInfo {
  name: string;
  binding: number;
  kind: BindingKind;
  /** Scalar element type of an array binding (f32, u32, i32), or null for structs. */
  elementType: string | null;
  /** Bytes per array element, or the whole size of a fixed-size binding. */
  stride: number;
  /** Size in bytes of a fixed-size binding (uniform struct); 0 for runtime-sized arrays. */
  fixedSize: number;
}

export interface UniformMember {
  name: string;
  offset: number;
  type: 'f32' | 'u32' | 'i32';
}

export interface UniformLayout {
  size: number;
  members: UniformMember[];
}

export class BindingError extends Error {
  override name = 'BindingError';
}

/** Round up to the 16-byte granularity WebGPU wants for uniform buffers. */
function uniformBufferSize(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 16) * 16);
}

function describeBinding(shader: string, entry: string, variable: VariableInfo): BindingInfo {
  const kind: BindingKind =
    variable.resourceType === 0 ? 'uniform' : variable.access === 'read' ? 'read-only-storage' : 'storage';
  if (variable.resourceType !== 0 && variable.resourceType !== 1) {
    throw new BindingError(`${shader} ${entry}: binding '${variable.name}' is not a buffer; only buffers are supported`);
  }
  const type = variable.type;
  if (type.isArray) {
    const format = (type as unknown as { format: { name: string; format?: { name: string } } }).format;
    const scalar = format.format?.name ?? format.name;
    return { name: variable.name, binding: variable.binding, kind, elementType: scalar, stride: variable.stride, fixedSize: 0 };
  }
  return { name: variable.name, binding: variable.binding, kind, elementType: null, stride: variable.size, fixedSize: variable.size };
}

function uniformLayoutOf(shader: string, variable: VariableInfo): UniformLayout {
  const members = (variable.members ?? []).map((m) => {
    const type = m.type.name;
    if (type !== 'f32' && type !== 'u32' && type !== 'i32') {
      throw new BindingError(`${shader}: uniform ${variable.name}.${m.name} is ${type}; only scalar f32/u32/i32 members are supported`);
    }
    return { name: m.name, offset: m.offset, type } as UniformMember;
  });
  return { size: variable.size, members };
}

export class Kernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  readonly bindings: readonly BindingInfo[];
  readonly workgroupSize: readonly [number, number, number];
  private readonly uniformLayouts = new Map<string, UniformLayout>();

  /** @internal KernelCache builds kernels; the shipped types leave out wgsl_reflect, which is bundled. */
  constructor(
    private readonly device: GPUDevice,
    readonly shader: string,
    readonly entryPoint: string,
    module: GPUShaderModule,
    reflection: WgslReflect,
  ) {
    const entry = reflection.entry.compute.find((e) => e.name === entryPoint);
    if (!entry) throw new BindingError(`${shader}: no @compute entry point named '${entryPoint}'`);
    const resources = entry.resources.filter((r) => r.group === 0);
    if (resources.length !== entry.resources.length) {
      throw new BindingError(`${shader} ${entryPoint}: only @group(0) is supported`);
    }
    this.bindings = resources.map((r) => describeBinding(shader, entryPoint, r)).sort((a, b) => a.binding - b.binding);
    for (const r of resources) {
      if (r.resourceType === 0) this.uniformLayouts.set(r.name, uniformLayoutOf(shader, r));
    }
    const wg = entry.workgroupSize ?? [1, 1, 1];
    this.workgroupSize = [Number(wg[0] ?? 1), Number(wg[1] ?? 1), Number(wg[2] ?? 1)];
    this.checkLimits();

    this.layout = device.createBindGroupLayout({
      label: `${shader}:${entryPoint}`,
      entries: this.bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: b.kind },
      })),
    });
    this.pipeline = device.createComputePipeline({
      label: `${shader}:${entryPoint}`,
      layout: device.createPipelineLayout({ bindGroupLayouts: [this.layout] }),
      compute: { module, entryPoint },
    });
  }

  private checkLimits(): void {
    const limits = this.device.limits;
    const storage = this.bindings.filter((b) => b.kind !== 'uniform').length;
    if (storage > limits.maxStorageBuffersPerShaderStage) {
      throw new BindingError(
        `${this.shader} ${this.entryPoint}: uses ${storage} storage buffers, limit is ${limits.maxStorageBuffersPerShaderStage}`,
      );
    }
    const invocations = this.workgroupSize[0] * this.workgroupSize[1] * this.workgroupSize[2];
    if (invocations > limits.maxComputeInvocationsPerWorkgroup) {
      throw new BindingError(
        `${this.shader} ${this.entryPoint}: workgroup of ${invocations} invocations exceeds the limit ${limits.maxComputeInvocationsPerWorkgroup}`,
      );
    }
  }

  /** Invocations per workgroup. */
  get invocationsPerWorkgroup(): number {
    return this.workgroupSize[0] * this.workgroupSize[1] * this.workgroupSize[2];
  }

  uniformLayout(binding: string): UniformLayout {
    const layout = this.uniformLayouts.get(binding);
    if (!layout) throw new BindingError(`${this.shader} ${this.entryPoint}: no uniform binding named '${binding}'`);
    return layout;
  }

  /** Pack values into the byte layout of uniform struct `binding`; every member must be given. */
  packUniform(binding: string, values: Record<string, number>): ArrayBuffer {
    const layout = this.uniformLayout(binding);
    const bytes = new ArrayBuffer(uniformBufferSize(layout.size));
    const view = new DataView(bytes);
    for (const m of layout.members) {
      const value = values[m.name];
      if (value === undefined || !Number.isFinite(value)) {
        throw new BindingError(`${this.shader} ${this.entryPoint}: uniform ${binding}.${m.name} needs a finite value, got ${value}`);
      }
      if (m.type === 'f32') view.setFloat32(m.offset, value, true);
      else if (m.type === 'u32') {
        if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
          throw new BindingError(`${this.shader}: uniform ${binding}.${m.name} is u32, got ${value}`);
        }
        view.setUint32(m.offset, value, true);
      } else view.setInt32(m.offset, value, true);
    }
    const unknown = Object.keys(values).filter((k) => !layout.members.some((m) => m.name === k));
    if (unknown.length) throw new BindingError(`${this.shader}: uniform ${binding} has no member(s) ${unknown.join(', ')}`);
    return bytes;
  }

  /**
   * Create a bind group, checking that every binding the entry point uses is given, with the right
   * usage, element type and size. `minElements` gives the element count an op needs per binding;
   * a Tensor otherwise needs its own size.
   */
  bind(resources: Record<string, Tensor | GPUBuffer>, minElements: Record<string, number> = {}): GPUBindGroup {
    const where = `${this.shader} ${this.entryPoint}`;
    for (const name of Object.keys(resources)) {
      if (!this.bindings.some((b) => b.name === name)) {
        throw new BindingError(`${where}: there is no binding named '${name}' (bindings: ${this.bindings.map((b) => b.name).join(', ')})`);
      }
    }
    const entries: GPUBindGroupEntry[] = this.bindings.map((b) => {
      const resource = resources[b.name];
      if (!resource) throw new BindingError(`${where}: binding '${b.name}' (@binding(${b.binding})) is missing`);
      const buffer = resource instanceof Tensor ? resource.buffer : resource;
      const offset = resource instanceof Tensor ? resource.byteOffset : 0;
      const label = buffer.label || b.name;
      const usage = b.kind === 'uniform' ? GPUBufferUsage.UNIFORM : GPUBufferUsage.STORAGE;
      if ((buffer.usage & usage) === 0) {
        throw new BindingError(`${where}: binding '${b.name}' needs a ${b.kind === 'uniform' ? 'UNIFORM' : 'STORAGE'} buffer; '${label}' lacks that usage`);
      }
      if (resource instanceof Tensor && b.elementType !== null && !sameScalar(resource.dtype, b.elementType)) {
        throw new BindingError(`${where}: binding '${b.name}' holds ${b.elementType} but tensor '${label}' is ${resource.dtype}`);
      }
      const elements = minElements[b.name] ?? (resource instanceof Tensor ? resource.size : 0);
      const needed = b.fixedSize > 0 ? b.fixedSize : Math.ceil(elements / (b.stride / 4)) * b.stride;
      if (buffer.size - offset < needed) {
        throw new BindingError(`${where}: binding '${b.name}' (@binding(${b.binding})) needs ${needed} bytes but buffer '${label}' has ${buffer.size - offset}`);
      }
      // A tensor binds exactly its own range, so arrayLength() in the shader is the tensor's size.
      const size = resource instanceof Tensor ? Math.max(needed, resource.bytes) : undefined;
      return { binding: b.binding, resource: size === undefined ? { buffer } : { buffer, offset, size: Math.min(size, buffer.size - offset) } };
    });
    return this.device.createBindGroup({ label: where, layout: this.layout, entries });
  }

  /** A dispatch of `workgroups` workgroups (folded into 2-D when over the per-dimension limit). */
  dispatch(bindGroup: GPUBindGroup, workgroups: number | readonly [number, number, number]): Dispatch {
    const grid = typeof workgroups === 'number'
      ? foldWorkgroups(workgroups, this.device.limits.maxComputeWorkgroupsPerDimension)
      : workgroups;
    return { kernel: this, bindGroup, workgroups: grid };
  }

  /** Dispatch enough workgroups for `invocations` threads of a 1-D kernel. */
  dispatchThreads(bindGroup: GPUBindGroup, invocations: number): Dispatch {
    return this.dispatch(bindGroup, Math.ceil(invocations / this.invocationsPerWorkgroup));
  }
}

function sameScalar(dtype: DType, wgslType: string): boolean {
  return dtype === wgslType;
}

/** Shader modules and their reflections are parsed once per source. */
export class KernelCache {
  private readonly modules = new Map<string, { module: GPUShaderModule; reflection: WgslReflect }>();
  private readonly kernels = new Map<string, Kernel>();

  constructor(private readonly device: GPUDevice) {}

  get(shader: string, source: string, entryPoint: string): Kernel {
    const key = `${shader}:${entryPoint}`;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      let compiled = this.modules.get(shader);
      if (!compiled) {
        compiled = {
          module: this.device.createShaderModule({ label: shader, code: source }),
          reflection: new WgslReflect(source),
        };
        this.modules.set(shader, compiled);
      }
      kernel = new Kernel(this.device, shader, entryPoint, compiled.module, compiled.reflection);
      this.kernels.set(key, kernel);
    }
    return kernel;
  }
}
