/**
 * Several named tensors in one buffer, each at an offset the device can bind. The trainer keeps
 * all parameters in one arena (and gradients, Adam moments… in arenas of the same layout), so
 * the optimizer updates the whole model in one dispatch over `flat`.
 */
import type { Gpu } from './gpu.ts';
import { BYTES_PER_ELEMENT, Tensor, shapeSize } from './tensor.ts';

export interface ArenaSlot {
  name: string;
  shape: readonly number[];
  /** Offset in elements from the start of the buffer. */
  offset: number;
}

export class Arena {
  readonly tensors = new Map<string, Tensor>();
  /** The whole buffer as one f32 tensor (padding between slots is zero and stays zero). */
  readonly flat: Tensor;

  constructor(gpu: Gpu, label: string, readonly slots: readonly ArenaSlot[], readonly elements: number) {
    const buffer = gpu.buffer(label, elements * BYTES_PER_ELEMENT, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
    this.flat = new Tensor(buffer, [elements], 'f32', label);
    for (const slot of slots) {
      this.tensors.set(slot.name, new Tensor(buffer, slot.shape, 'f32', `${label}:${slot.name}`, slot.offset * BYTES_PER_ELEMENT));
    }
  }

  /** Lay out `specs` with every slot starting at a multiple of the device's offset alignment. */
  static layout(gpu: Gpu, specs: readonly { name: string; shape: readonly number[] }[]): { slots: ArenaSlot[]; elements: number } {
    const align = gpu.device.limits.minStorageBufferOffsetAlignment / BYTES_PER_ELEMENT;
    let offset = 0;
    const slots = specs.map((s) => {
      const slot = { name: s.name, shape: s.shape, offset };
      offset += Math.ceil(shapeSize(s.shape, s.name) / align) * align;
      return slot;
    });
    return { slots, elements: offset };
  }

  static allocate(gpu: Gpu, label: string, specs: readonly { name: string; shape: readonly number[] }[]): Arena {
    const { slots, elements } = Arena.layout(gpu, specs);
    return new Arena(gpu, label, slots, elements);
  }

  get(name: string): Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`${this.flat.label}: no tensor named ${name}`);
    return t;
  }

  /** Pack per-name values into one array of the arena's layout (for a single upload). */
  pack(values: ReadonlyMap<string, ArrayLike<number>>): Float32Array {
    const flat = new Float32Array(this.elements);
    for (const slot of this.slots) {
      const v = values.get(slot.name);
      if (!v) throw new Error(`${this.flat.label}: no value for ${slot.name}`);
      const size = shapeSize(slot.shape);
      if (v.length !== size) throw new RangeError(`${slot.name}: ${v.length} values for shape [${slot.shape.join(', ')}] (${size})`);
      flat.set(v, slot.offset);
    }
    return flat;
  }

  /** Split a flat array of this layout into per-name arrays. */
  unpack(flat: Float32Array): Map<string, Float32Array> {
    return new Map(this.slots.map((s) => [s.name, flat.slice(s.offset, s.offset + shapeSize(s.shape))]));
  }
}
