/**
 * What an import of a .wgsl file gives (wgsl-plugin.mjs builds it): the shader's code, its
 * includes resolved, and the layout of each @compute entry point, read from the WGSL at build
 * time so that the engine checks every bind against it without a WGSL parser at run time.
 */

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

/** A pipeline-overridable constant (`override NAME: type = default;`) an entry point uses. */
export interface OverrideInfo {
  name: string;
  /** WGSL scalar type: bool, u32, i32 or f32. */
  type: string;
  /** No default in the shader: every pipeline of this entry point must give a value. */
  required: boolean;
}

export interface EntryPointLayout {
  /** Sorted by binding number; only @group(0). */
  bindings: BindingInfo[];
  /** Layout of each uniform struct binding, by binding name. */
  uniforms: Record<string, UniformLayout>;
  /** With every override at its default; workgroupOverrides names the dimensions an override sets. */
  workgroupSize: [number, number, number];
  workgroupOverrides: [string | null, string | null, string | null];
  overrides: OverrideInfo[];
}

export interface WgslShader {
  /** File name, e.g. conv2d.wgsl: kernels and messages are named after it. */
  name: string;
  code: string;
  entryPoints: Record<string, EntryPointLayout>;
}
