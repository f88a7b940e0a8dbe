/**
 * A compute kernel: one WGSL entry point with its pipeline-overridable constants. The bind-group
 * layout and uniform layouts come from the shader's layout, reflected at build time
 * (wgsl-plugin.mjs), and every bind is checked against them, so a wrong or short buffer is
 * reported with the shader's own names instead of a WebGPU validation message at submit time.
 */
import { foldWorkgroups, type Dispatch } from './dispatch.ts';
import type { BindingInfo, EntryPointLayout, UniformLayout, WgslShader } from './layout.ts';
import { Tensor, type DType } from './tensor.ts';

export type { BindingInfo, BindingKind, UniformLayout, UniformMember, WgslShader } from './layout.ts';

/** Values of an entry point's `override` constants: numbers, or booleans for bool overrides. */
export type PipelineConstants = Readonly<Record<string, number | boolean>>;

export class BindingError extends Error {
  override name = 'BindingError';
}

/** Round up to the 16-byte granularity WebGPU wants for uniform buffers. */
function uniformBufferSize(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 16) * 16);
}

/** Check `constants` against the overrides the entry point uses; WebGPU's numbers for them. */
export function pipelineConstants(where: string, layout: EntryPointLayout, constants: PipelineConstants): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [name, value] of Object.entries(constants)) {
    const override = layout.overrides.find((o) => o.name === name);
    if (!override) {
      throw new BindingError(`${where}: there is no override named '${name}' (overrides: ${layout.overrides.map((o) => o.name).join(', ') || 'none'})`);
    }
    const isBool = override.type === 'bool';
    if (isBool ? typeof value !== 'boolean' : typeof value !== 'number' || !Number.isFinite(value)) {
      throw new BindingError(`${where}: override ${name} is ${override.type}, got ${String(value)}`);
    }
    values[name] = Number(value);
  }
  const missing = layout.overrides.filter((o) => o.required && !(o.name in constants));
  if (missing.length) throw new BindingError(`${where}: override(s) ${missing.map((o) => o.name).join(', ')} need a value`);
  return values;
}

export class Kernel {
  /** The shader's file name. */
  readonly shader: string;
  readonly layout: GPUBindGroupLayout;
  readonly bindings: readonly BindingInfo[];
  readonly workgroupSize: readonly [number, number, number];
  private readonly uniformLayouts = new Map<string, UniformLayout>();
  /** What the pipeline is made from: kept so it can be created later, synchronously or not. */
  private readonly descriptor: GPUComputePipelineDescriptor;
  private built: GPUComputePipeline | null = null;
  private building: Promise<void> | null = null;

  /** @internal KernelCache builds kernels. */
  constructor(
    private readonly device: GPUDevice,
    shader: WgslShader,
    readonly entryPoint: string,
    module: GPUShaderModule,
    readonly constants: PipelineConstants = {},
  ) {
    this.shader = shader.name;
    const layout = shader.entryPoints[entryPoint];
    if (!layout) throw new BindingError(`${shader.name}: no @compute entry point named '${entryPoint}'`);
    this.bindings = layout.bindings;
    for (const [name, uniform] of Object.entries(layout.uniforms)) this.uniformLayouts.set(name, uniform);
    const values = pipelineConstants(`${this.shader} ${entryPoint}`, layout, constants);
    // A dimension set by an override is what this pipeline's constant makes it.
    this.workgroupSize = layout.workgroupSize.map((n, i) => {
      const name = layout.workgroupOverrides[i];
      return name && name in values ? values[name]! : n;
    }) as [number, number, number];
    this.checkLimits();

    // WebGPU's messages name the pipeline by its label: the constants tell variants apart.
    const label = [`${this.shader}:${entryPoint}`, ...Object.entries(values).map(([k, v]) => `${k}=${v}`)].join(' ');
    this.layout = device.createBindGroupLayout({
      label,
      entries: this.bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: b.kind },
      })),
    });
    this.descriptor = {
      label,
      layout: device.createPipelineLayout({ bindGroupLayouts: [this.layout] }),
      compute: { module, entryPoint, constants: values },
    };
  }

  /**
   * The compute pipeline. Created on first use, synchronously, unless compile() made it first:
   * bind groups need only the explicit layout, so building a trainer compiles nothing.
   */
  get pipeline(): GPUComputePipeline {
    this.built ??= this.device.createComputePipeline(this.descriptor);
    return this.built;
  }

  get compiled(): boolean {
    return this.built !== null;
  }

  /** Create the pipeline without blocking (createComputePipelineAsync); the same descriptor, so the same numerics. */
  compile(): Promise<void> {
    if (this.built) return Promise.resolve();
    this.building ??= this.device.createComputePipelineAsync(this.descriptor).then((pipeline) => {
      this.built ??= pipeline;
    });
    return this.building;
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

/** Shader modules are compiled once per shader; kernels once per entry point and constants. */
export class KernelCache {
  private readonly modules = new Map<WgslShader, { module: GPUShaderModule; kernels: Map<string, Kernel> }>();

  constructor(private readonly device: GPUDevice) {}

  get(shader: WgslShader, entryPoint: string, constants: PipelineConstants = {}): Kernel {
    let compiled = this.modules.get(shader);
    if (!compiled) {
      compiled = { module: this.device.createShaderModule({ label: shader.name, code: shader.code }), kernels: new Map() };
      this.modules.set(shader, compiled);
    }
    // Constants in name order: the same values give the same pipeline, however they were written.
    const key = [entryPoint, ...Object.keys(constants).sort().map((name) => `${name}=${String(constants[name])}`)].join(' ');
    let kernel = compiled.kernels.get(key);
    if (!kernel) {
      kernel = new Kernel(this.device, shader, entryPoint, compiled.module, constants);
      compiled.kernels.set(key, kernel);
    }
    return kernel;
  }

  /** Compile, asynchronously and all at once, every kernel whose pipeline does not exist yet; how many that was. */
  async compileAll(): Promise<number> {
    const pending = [...this.modules.values()].flatMap((m) => [...m.kernels.values()]).filter((k) => !k.compiled);
    await Promise.all(pending.map((k) => k.compile()));
    return pending.length;
  }
}
