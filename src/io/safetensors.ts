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

/**
 * The reference implementation allows 100 MB of header; ours holds tensor entries and, for a
 * checkpoint, a run's history (about 300 bytes an epoch), so 16 MiB leaves room for 50,000 epochs
 * while bounding what JSON.parse is ever handed.
 */
export const MAX_HEADER_BYTES = 16 * 2 ** 20;

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  start: number;
  end: number;
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? `"${v.slice(0, 40)}"` : typeof v === 'object' ? 'an object' : String(v));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** One header entry, every field checked; `dataLength` bounds the element count before any product can overflow. */
function entryOf(fileName: string, name: string, entry: unknown, dataLength: number): Entry {
  const fail = (what: string) => new SafetensorsError(`${fileName}: tensor ${JSON.stringify(name)}: ${what}`);
  if (!isRecord(entry)) throw fail(`entry is ${describe(entry)}, expected {dtype, shape, data_offsets}`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) throw fail(`dtype is ${describe(dtype)}; only F32 and I64 are supported`);
  if (!Array.isArray(shape) || !shape.every(isCount)) throw fail(`shape is ${JSON.stringify(shape) ?? 'missing'}, expected a list of integers ≥ 0`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`data_offsets is ${JSON.stringify(offsets) ?? 'missing'}, expected [start, end], integers ≥ 0`);
  }
  const [start, end] = offsets as [number, number];
  if (start > end || end > dataLength) throw fail(`data_offsets [${start}, ${end}] are not a range inside the ${dataLength} data bytes`);
  const bytes = BYTES[dtype as SafetensorsDType];
  let count = 1;
  for (const d of shape as number[]) count = Math.min(count * d, dataLength + 1);
  if (count * bytes !== end - start) {
    throw fail(`shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${count > dataLength ? 'more than the file holds' : `${count * bytes} bytes`}, data_offsets [${start}, ${end}] hold ${end - start}`);
  }
  return { name, dtype: dtype as SafetensorsDType, shape: shape as number[], start, end };
}

/** The entries must tile the data exactly, as the format requires: no overlap (aliasing), no gap, nothing after. */
function checkLayout(fileName: string, entries: Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.start - b.start || a.end - b.end);
  let at = 0;
  let previous: Entry | null = null;
  for (const e of sorted) {
    if (e.start < at) throw new SafetensorsError(`${fileName}: tensor ${JSON.stringify(e.name)} data_offsets [${e.start}, ${e.end}] overlap ${JSON.stringify(previous!.name)} [${previous!.start}, ${previous!.end}]`);
    if (e.start > at) throw new SafetensorsError(`${fileName}: ${e.start - at} data bytes at ${at} belong to no tensor (before ${JSON.stringify(e.name)})`);
    at = e.end;
    previous = e;
  }
  if (at !== dataLength) throw new SafetensorsError(`${fileName}: ${dataLength - at} data bytes after the last tensor belong to no tensor`);
}

function readHeader(bytes: Uint8Array, fileName: string): { header: Record<string, unknown>; dataStart: number } {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError(`${fileName}: expected the file's bytes (a Uint8Array), got ${describe(bytes)}`);
  if (bytes.length < 8) throw new SafetensorsError(`${fileName}: ${bytes.length} bytes is too short for a safetensors file`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`${fileName}: header length ${length} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const headerLength = Number(length);
  if (headerLength > bytes.length - 8) throw new SafetensorsError(`${fileName}: header length ${headerLength} exceeds the file (${bytes.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new SafetensorsError(`${fileName}: header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (!isRecord(header)) throw new SafetensorsError(`${fileName}: header is ${describe(header)}, expected a JSON object of tensors`);
  return { header, dataStart: 8 + headerLength };
}

function metadataOf(fileName: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new SafetensorsError(`${fileName}: __metadata__ is ${describe(value)}, expected an object of strings`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new SafetensorsError(`${fileName}: __metadata__.${key} is ${describe(v)}, expected a string`);
  }
  return value as Record<string, string>;
}

/**
 * Parse a .safetensors file; every malformed case is a SafetensorsError naming the file, and the
 * tensor and field where there is one. The header is checked in full (entries tile the data
 * exactly) before any tensor is decoded, so decoding allocates at most the file's own size.
 */
export function decodeSafetensors(bytes: Uint8Array, fileName = 'weights.safetensors'): DecodedSafetensors {
  const { header, dataStart } = readHeader(bytes, fileName);
  const dataLength = bytes.length - dataStart;
  const metadata = metadataOf(fileName, header.__metadata__);
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__').map(([name, e]) => entryOf(fileName, name, e, dataLength));
  checkLayout(fileName, entries, dataLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, dataLength);
  const tensors = new Map<string, NamedTensor>();
  for (const { name, dtype, shape, start, end } of entries) {
    const count = (end - start) / BYTES[dtype];
    const data = dtype === 'F32' ? new Float32Array(count) : new Float64Array(count);
    for (let i = 0; i < count; i++) {
      data[i] = dtype === 'F32' ? view.getFloat32(start + 4 * i, true) : Number(view.getBigInt64(start + 8 * i, true));
    }
    tensors.set(name, { name, dtype, shape, data });
  }
  return { tensors, metadata };
}
