/** Small synthetic datasets as gzipped IDX files, for training tests that must run fast. */
import { SeededRandom } from '../../src/random.ts';
import { gzip, idxBytes } from './idx.ts';

export interface SyntheticDataset {
  trainPixels: Uint8Array;
  trainLabels: number[];
  base64: Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', string>;
}

/** Random images whose label is written into their brightness, so a model can learn something. */
export function syntheticDataset(trainCount: number, testCount: number, seed: number): SyntheticDataset {
  const rng = new SeededRandom(seed);
  const make = (count: number) => {
    const labels = Array.from({ length: count }, () => rng.int(10));
    const pixels = new Uint8Array(count * 784);
    for (let i = 0; i < count; i++) {
      for (let p = 0; p < 784; p++) pixels[i * 784 + p] = Math.min(255, rng.int(128) + labels[i]! * 12 * ((p % 28) > 14 ? 1 : 0));
    }
    return { pixels, labels };
  };
  const train = make(trainCount);
  const test = make(testCount);
  const b64 = (bytes: Uint8Array) => Buffer.from(gzip(bytes)).toString('base64');
  return {
    trainPixels: train.pixels,
    trainLabels: train.labels,
    base64: {
      trainImages: b64(idxBytes([trainCount, 28, 28], train.pixels)),
      trainLabels: b64(idxBytes([trainCount], train.labels)),
      testImages: b64(idxBytes([testCount, 28, 28], test.pixels)),
      testLabels: b64(idxBytes([testCount], test.labels)),
    },
  };
}
