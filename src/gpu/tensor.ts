/** A typed view of a GPU buffer: shape, element type, and the checks every op relies on. */

export type DType = 'f32' | 'u32' | 'i32';

export type TypedArrayOf<D extends DType> = D extends 'f32' ? Float32Array : D extends 'u32' ? Uint32Array : Int32Array;

export const BYTES_PER_ELEMENT = 4;

/** Number of elements of a shape, after checking every dimension is a positive integer. */
export function shapeSize(shape: readonly number[], what = 'tensor'): number {
  let size = 1;
  for (const [axis, dim] of shape.entries()) {
    if (!Number.isInteger(dim) || dim <= 0) {
      throw new RangeError(`${what}: dimension ${axis} of shape [${shape.join(', ')}] must be a positive integer, got ${dim}`);
    }
    size *= dim;
  }
  return size;
}

export class Tensor {
  readonly size: number;

  constructor(
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly dtype: DType = 'f32',
    readonly label: string = buffer.label,
    /** Where the tensor starts in `buffer`: tensors may share one buffer (e.g. all parameters). */
    readonly byteOffset = 0,
  ) {
    this.size = shapeSize(shape, label);
  }

  get bytes(): number {
    return this.size * BYTES_PER_ELEMENT;
  }

  /** A view of the same buffer with another shape of the same or smaller size (e.g. flatten). */
  reshape(shape: readonly number[]): Tensor {
    const view = new Tensor(this.buffer, shape, this.dtype, this.label, this.byteOffset);
    if (view.size > this.size) {
      throw new RangeError(`${this.label}: cannot view [${this.shape.join(', ')}] as larger [${shape.join(', ')}]`);
    }
    return view;
  }
}

/** Throw a clear error unless `tensor` has exactly `expected` shape. */
export function expectShape(op: string, name: string, tensor: Tensor, expected: readonly number[]): void {
  const same = tensor.shape.length === expected.length && tensor.shape.every((d, i) => d === expected[i]);
  if (!same) {
    throw new RangeError(
      `${op}: ${name} has shape [${tensor.shape.join(', ')}] but [${expected.join(', ')}] was expected`,
    );
  }
}

export function expectDType(op: string, name: string, tensor: Tensor, dtype: DType): void {
  if (tensor.dtype !== dtype) throw new TypeError(`${op}: ${name} must be ${dtype}, got ${tensor.dtype}`);
}
