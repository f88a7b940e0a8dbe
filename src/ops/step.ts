/**
 * Values that change every training step (step number, RNG seed, learning rate, where the batch
 * starts in the shuffled index list). Kernels read them from one small uniform buffer so a whole
 * step is recorded once; the trainer copies each step's values in from a schedule buffer with
 * copyBufferToBuffer, so many steps fit in one command buffer with no CPU write between them.
 *
 * Every shader that binds `step` declares `struct Step` with exactly these members in this
 * order; checkStepLayout() verifies that from the shader's reflection.
 */
import type { Kernel } from '../gpu/kernel.ts';

export interface StepValues {
  /** 1-based optimizer step (Adam's t); also the dropout RNG counter. */
  step: number;
  /** Seed of the run's counter-based RNG. */
  seed: number;
  /** Learning rate of this step. */
  lr: number;
  /** Index of the batch's first sample in the epoch's shuffled index buffer. */
  batch_start: number;
}

export const STEP_MEMBERS = [
  { name: 'step', offset: 0, type: 'u32' },
  { name: 'seed', offset: 4, type: 'u32' },
  { name: 'lr', offset: 8, type: 'f32' },
  { name: 'batch_start', offset: 12, type: 'u32' },
] as const;

export const STEP_BYTES = 16;

export function packStep(values: StepValues, target = new ArrayBuffer(STEP_BYTES), byteOffset = 0): ArrayBuffer {
  const view = new DataView(target, byteOffset, STEP_BYTES);
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isFinite(v)) throw new RangeError(`step value ${name} must be finite, got ${v}`);
  }
  view.setUint32(0, values.step >>> 0, true);
  view.setUint32(4, values.seed >>> 0, true);
  view.setFloat32(8, values.lr, true);
  view.setUint32(12, values.batch_start >>> 0, true);
  return target;
}

/** Throw unless the kernel's `step` uniform matches STEP_MEMBERS. */
export function checkStepLayout(kernel: Kernel): void {
  const layout = kernel.uniformLayout('step');
  const same = layout.members.length === STEP_MEMBERS.length &&
    STEP_MEMBERS.every((m, i) => layout.members[i]?.name === m.name && layout.members[i]?.offset === m.offset && layout.members[i]?.type === m.type);
  if (!same) {
    throw new Error(`${kernel.shader} ${kernel.entryPoint}: struct Step must be { ${STEP_MEMBERS.map((m) => `${m.name}: ${m.type}`).join(', ')} }`);
  }
}
