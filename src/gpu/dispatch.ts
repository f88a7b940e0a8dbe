/** A recorded compute dispatch, and the folding of large 1-D grids into 2-D. */

/**
 * What a dispatch needs of its kernel: kernel.ts's Kernel is one. Stated here rather than imported,
 * so that kernel.ts can build dispatches without the two modules importing each other.
 */
export interface DispatchKernel {
  readonly pipeline: GPUComputePipeline;
  /** Shader file and entry point, for profiles and messages. */
  readonly shader: string;
  readonly entryPoint: string;
}

export interface Dispatch {
  kernel: DispatchKernel;
  bindGroup: GPUBindGroup;
  workgroups: readonly [number, number, number];
}

/**
 * Split `count` workgroups into an (x, y) grid with x ≤ maxPerDimension. Shaders recover the
 * linear index as `wid.x + wid.y * nwg.x` and must ignore the overshoot of the last row.
 */
export function foldWorkgroups(count: number, maxPerDimension: number): [number, number, number] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`workgroup count must be a non-negative integer, got ${count}`);
  if (count <= maxPerDimension) return [count, 1, 1];
  const y = Math.ceil(count / maxPerDimension);
  if (y > maxPerDimension) {
    throw new Error(`dispatch of ${count} workgroups exceeds ${maxPerDimension}² even when folded into 2-D`);
  }
  return [Math.ceil(count / y), y, 1];
}

/** Record dispatches into one compute pass, in order. */
export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[]): void {
  for (const d of dispatches) {
    if (d.workgroups[0] * d.workgroups[1] * d.workgroups[2] === 0) continue;
    pass.setPipeline(d.kernel.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
}
