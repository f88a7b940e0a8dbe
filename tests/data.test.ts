import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DatasetError, decompress, loadIdxPair, parseIdx } from '../src/data/idx.ts';
import { datasetFromBytes, datasetFromUrl, splitTrainValidation, IDX_FILES } from '../src/data/dataset.ts';
import { packBytes } from '../src/data/resident.ts';
import { SeededRandom } from '../src/random.ts';
import { runOnGpu } from './support/browser.ts';
import { gzip, idxBytes, syntheticPair } from './support/idx.ts';

const test = suite('data');

const pair = (images: Uint8Array, labels: Uint8Array) =>
  loadIdxPair({ name: 'imgs.gz', bytes: images }, { name: 'labels.gz', bytes: labels });

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, DatasetError);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}

test('parses raw and gzipped IDX pairs alike', async () => {
  const { images, labels } = syntheticPair(5);
  for (const wrap of [(b: Uint8Array) => b, gzip]) {
    const set = await loadIdxPair({ name: 'a', bytes: wrap(images) }, { name: 'b', bytes: wrap(labels) });
    assert.is(set.count, 5);
    assert.equal(Array.from(set.labels), [0, 1, 2, 3, 4]);
    assert.is(set.images.length, 5 * 784);
    assert.is(set.images[784 + 3], parseIdx(images, 'x', 3).data[784 + 3]);
  }
});

test('wrong magic names the file and both numbers', async () => {
  const { images, labels } = syntheticPair(2);
  await rejects(pair(gzip(labels), gzip(labels)), /imgs\.gz: wrong magic number 0x00000801, expected 0x00000803/);
  const floats = images.slice();
  floats[2] = 0x0d;
  await rejects(pair(gzip(floats), gzip(labels)), /imgs\.gz: wrong magic number 0x00000d03/);
});

test('truncated data and trailing bytes are refused', async () => {
  const { images, labels } = syntheticPair(3);
  await rejects(pair(gzip(images.subarray(0, images.length - 10)), gzip(labels)), /imgs\.gz: truncated: dimensions \[3, 28, 28\] need 2352 data bytes, found 2342/);
  await rejects(pair(gzip(images), gzip(labels.subarray(0, 6))), /labels\.gz: truncated header/);
  const longer = new Uint8Array(labels.length + 2);
  longer.set(labels);
  await rejects(pair(gzip(images), gzip(longer)), /labels\.gz: 2 unexpected bytes/);
});

test('a truncated gzip stream and a non-gzip .gz file are refused', async () => {
  const { images, labels } = syntheticPair(3);
  const gz = gzip(images);
  await rejects(pair(gz.subarray(0, gz.length - 20), gzip(labels)), /imgs\.gz: gzip data is corrupt or truncated/);
  await rejects(decompress(images, 'train-images-idx3-ubyte.gz'), /train-images-idx3-ubyte\.gz: named \.gz but is not gzip data/);
});

test('count mismatch, labels outside 0–9 and non-28×28 images are refused', async () => {
  const { images } = syntheticPair(4);
  await rejects(pair(gzip(images), gzip(idxBytes([3], [1, 2, 3]))), /labels\.gz: 3 labels for 4 images in imgs\.gz/);
  await rejects(pair(gzip(images), gzip(idxBytes([4], [1, 2, 10, 3]))), /labels\.gz: label 10 at index 2 is outside 0–9/);
  const small = idxBytes([2, 14, 14], new Uint8Array(2 * 196));
  await rejects(pair(gzip(small), gzip(idxBytes([2], [0, 1]))), /imgs\.gz: images are 14×14, expected 28×28/);
});

test('a dataset loads only when all four files are valid', async () => {
  const train = syntheticPair(6);
  const testSet = syntheticPair(4, 1);
  const files = {
    trainImages: { name: 'tri', bytes: gzip(train.images) },
    trainLabels: { name: 'trl', bytes: gzip(train.labels) },
    testImages: { name: 'tei', bytes: gzip(testSet.images) },
    testLabels: { name: 'tel', bytes: gzip(idxBytes([4], [0, 1, 2, 99])) },
  };
  await rejects(datasetFromBytes('mnist', files), /tel: label 99/);
  files.testLabels.bytes = gzip(testSet.labels);
  const dataset = await datasetFromBytes('mnist', files);
  assert.is(dataset.train.count, 6);
  assert.is(dataset.test.count, 4);
  assert.is(dataset.classNames[3], '3');
});

test('URL loading names the URL that failed', async () => {
  const train = syntheticPair(2);
  const served: Record<string, Uint8Array> = {
    [`/d/${IDX_FILES.trainImages}`]: gzip(train.images),
    [`/d/${IDX_FILES.trainLabels}`]: gzip(train.labels),
    [`/d/${IDX_FILES.testImages}`]: gzip(train.images),
  };
  const fakeFetch = (async (url: string) => {
    const body = served[url];
    return body ? new Response(body as BlobPart) : new Response('missing', { status: 404, statusText: 'Not Found' });
  }) as unknown as typeof fetch;
  await rejects(datasetFromUrl('mnist', '/d', fakeFetch), /\/d\/t10k-labels-idx1-ubyte\.gz: HTTP 404 Not Found/);
  served[`/d/${IDX_FILES.testLabels}`] = gzip(train.labels);
  assert.is((await datasetFromUrl('mnist', '/d/', fakeFetch)).test.count, 2);
});

test('train/validation split is a seeded partition', () => {
  const a = splitTrainValidation(100, 20, 7);
  const b = splitTrainValidation(100, 20, 7);
  const c = splitTrainValidation(100, 20, 8);
  assert.equal(a, b);
  assert.not.equal(Array.from(a.validation), Array.from(c.validation));
  assert.is(a.train.length, 80);
  const all = [...a.train, ...a.validation].sort((x, y) => x - y);
  assert.equal(all, Array.from({ length: 100 }, (_, i) => i));
  assert.throws(() => splitTrainValidation(100, 100, 1), /validation size must be an integer in \[0, 99\], got 100/);
});

test('GPU batch gather matches the CPU through a shuffled order', async () => {
  const count = 9;
  const rng = new SeededRandom(5);
  const bytes = new Uint8Array(count * 784).map(() => rng.int(256));
  const labels = Array.from({ length: count }, () => rng.int(10));
  const order = Array.from({ length: count }, (_, i) => i);
  rng.shuffle(order);
  const batch = 3;
  const batchStart = 4;
  const result = await runOnGpu({
    tensors: {
      pixels: { shape: [count * 196], dtype: 'u32', data: Array.from(packBytes(bytes)) },
      labels: { shape: [count], dtype: 'u32', data: labels },
      order: { shape: [count], dtype: 'u32', data: order },
      x: { shape: [batch, 1, 28, 28] },
      y: { shape: [batch], dtype: 'u32' },
    },
    ops: { gather: { op: 'BatchGather', args: [{ batch, pixels: 784, images: count, scale: 2 / 255, shift: -1 }] } },
    actions: [
      { step: { step: 1, seed: 0, lr: 0, batch_start: batchStart } },
      { call: 'gather', method: 'gather', args: ['pixels', 'labels', 'order', '$step', 'x', 'y'] },
      { read: ['x', 'y'] },
    ],
  });
  assert.not.ok(result.error, result.error?.message);
  const { x, y } = result.reads[0]!.tensors;
  for (let b = 0; b < batch; b++) {
    const image = order[batchStart + b]!;
    assert.is(y![b], labels[image]);
    for (let p = 0; p < 784; p++) {
      const expected = Math.fround(Math.fround(bytes[image * 784 + p]! * Math.fround(2 / 255)) + -1);
      if (Math.abs(x![b * 784 + p]! - expected) > 1e-6) assert.unreachable(`sample ${b} pixel ${p}: ${x![b * 784 + p]} vs ${expected}`);
    }
  }
  assert.ok(x!.every((v) => v >= -1 && v <= 1));
});

test.run();
