/**
 * IDX files (the MNIST family's format): optional gzip, then a big-endian header — magic
 * 0x0000 0x08 <dims> for unsigned bytes, then one u32 per dimension — then the bytes.
 * Every check names the file and what is wrong.
 */

export class DatasetError extends Error {
  override name = 'DatasetError';
}

const UNSIGNED_BYTE = 0x08;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzip when the bytes are gzip; a file named .gz that is not gzip is an error. */
export async function decompress(bytes: Uint8Array, fileName: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) {
    if (fileName.endsWith('.gz')) {
      throw new DatasetError(`${fileName}: named .gz but is not gzip data (first bytes ${hex(bytes.subarray(0, 4))})`);
    }
    return bytes;
  }
  try {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    // Browsers report a failed DecompressionStream as a bare "Failed to fetch": not worth repeating.
    const detail = /fetch/i.test((error as Error).message) ? '' : ` (${(error as Error).message})`;
    throw new DatasetError(`${fileName}: gzip data is corrupt or truncated${detail}`);
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ') || 'none';
}

/** Parse an uncompressed IDX file of unsigned bytes with `expectedDims` dimensions. */
export function parseIdx(bytes: Uint8Array, fileName: string, expectedDims: number): IdxArray {
  if (bytes.length < 4) throw new DatasetError(`${fileName}: ${bytes.length} bytes is too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || bytes[2] !== UNSIGNED_BYTE || bytes[3] !== expectedDims) {
    const wanted = (0x0800 | expectedDims).toString(16).padStart(8, '0');
    throw new DatasetError(`${fileName}: wrong magic number 0x${hex(bytes.subarray(0, 4)).replace(/ /g, '')}, expected 0x${wanted} (unsigned bytes, ${expectedDims} dimensions)`);
  }
  const headerBytes = 4 + 4 * expectedDims;
  if (bytes.length < headerBytes) throw new DatasetError(`${fileName}: truncated header (${bytes.length} of ${headerBytes} bytes)`);
  const dims = Array.from({ length: expectedDims }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new DatasetError(`${fileName}: truncated: dimensions [${dims.join(', ')}] need ${expected} data bytes, found ${actual}`);
  }
  if (actual > expected) {
    throw new DatasetError(`${fileName}: ${actual - expected} unexpected bytes after the data of dimensions [${dims.join(', ')}]`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

export interface LabelledImages {
  count: number;
  rows: number;
  cols: number;
  /** count·rows·cols pixels, row-major, 0–255. */
  images: Uint8Array;
  /** count labels in [0, classes). */
  labels: Uint8Array;
}

export const IMAGE_SIZE = 28;
export const CLASSES = 10;

/** Decode and cross-check one images file and its labels file. */
export async function loadIdxPair(
  images: { name: string; bytes: Uint8Array },
  labels: { name: string; bytes: Uint8Array },
): Promise<LabelledImages> {
  const img = parseIdx(await decompress(images.bytes, images.name), images.name, 3);
  const lab = parseIdx(await decompress(labels.bytes, labels.name), labels.name, 1);
  const [count, rows, cols] = img.dims as [number, number, number];
  if (rows !== IMAGE_SIZE || cols !== IMAGE_SIZE) {
    throw new DatasetError(`${images.name}: images are ${rows}×${cols}, expected ${IMAGE_SIZE}×${IMAGE_SIZE}`);
  }
  if (count === 0) throw new DatasetError(`${images.name}: contains no images`);
  if (lab.dims[0] !== count) {
    throw new DatasetError(`${labels.name}: ${lab.dims[0]} labels for ${count} images in ${images.name}`);
  }
  const bad = lab.data.findIndex((v) => v >= CLASSES);
  if (bad >= 0) {
    throw new DatasetError(`${labels.name}: label ${lab.data[bad]} at index ${bad} is outside 0–${CLASSES - 1}`);
  }
  return { count, rows, cols, images: img.data, labels: lab.data };
}
