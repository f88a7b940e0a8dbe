/**
 * The .safetensors format: an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to {dtype, shape, data_offsets}, then the raw little-endian data. Written with
 * PyTorch's state_dict names and layouts, so `safetensors.torch.load_file` + `load_state_dict`
 * restores the same LeNet-5 in PyTorch.
 */

export type SafetensorsDType = 'F32' | 'I64';

export interface NamedTensor {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** F32 values, or I64 values as numbers (exact up to 2^53). */
  data: ArrayLike<number>;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const BYTES: Record<SafetensorsDType, number> = { F32: 4, I64: 8 };

export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new SafetensorsError(`${t.name}: ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const bytes = count * BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // Pad the header with spaces to a multiple of 8 so the data is aligned for zero-copy readers.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const t of tensors) {
    if (t.dtype === 'F32' && littleEndian) {
      // Bulk copy: the file is little-endian, like every platform WebGPU runs on.
      out.set(new Uint8Array(Float32Array.from(t.data).buffer), at);
    } else {
      for (let i = 0; i < t.data.length; i++) {
        if (t.dtype === 'F32') view.setFloat32(at + 4 * i, t.data[i]!, true);
        else view.setBigInt64(at + 8 * i, BigInt(Math.trunc(t.data[i]!)), true);
      }
    }
    at += t.data.length * BYTES[t.dtype];
  }
  return out;
}

export interface DecodedSafetensors {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

export function decodeSafetensors(bytes: Uint8Array, fileName = 'weights.safetensors'): DecodedSafetensors {
  if (bytes.length < 8) throw new SafetensorsError(`${fileName}: ${bytes.length} bytes is too short for a safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw new SafetensorsError(`${fileName}: header length ${headerLength} exceeds the file (${bytes.length} bytes)`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new SafetensorsError(`${fileName}: header is not valid JSON (${(error as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: [start, end] } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32' && dtype !== 'I64') throw new SafetensorsError(`${fileName}: ${name} has dtype ${dtype}; only F32 and I64 are supported`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - start !== count * BYTES[dtype] || dataStart + end > bytes.length) {
      throw new SafetensorsError(`${fileName}: ${name} data_offsets [${start}, ${end}] do not fit shape [${shape.join(', ')}] or the file`);
    }
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const at = dataStart + start + i * BYTES[dtype];
      data[i] = dtype === 'F32' ? view.getFloat32(at, true) : Number(view.getBigInt64(at, true));
    }
    tensors.set(name, { name, dtype, shape, data: dtype === 'F32' ? Float32Array.from(data) : data });
  }
  return { tensors, metadata };
}
