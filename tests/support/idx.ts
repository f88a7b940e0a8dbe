/** Build IDX files (optionally gzipped) for tests, including deliberately broken ones. */
import { gzipSync } from 'node:zlib';

export function idxBytes(dims: number[], data: Uint8Array | number[]): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint8(2, 0x08);
  header.setUint8(3, dims.length);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer));
  out.set(data, header.byteLength);
  return out;
}

export const gzip = (bytes: Uint8Array): Uint8Array => new Uint8Array(gzipSync(bytes));

/** A small synthetic dataset: `count` 28×28 images whose pixels encode (image, pixel), labels i mod 10. */
export function syntheticPair(count: number, seed = 0): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(count * 784).map((_, i) => (i * 7 + seed * 13 + Math.floor(i / 784) * 31) & 0xff);
  const labels = new Uint8Array(count).map((_, i) => (i + seed) % 10);
  return { images: idxBytes([count, 28, 28], images), labels: idxBytes([count], labels) };
}
