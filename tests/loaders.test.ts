/**
 * The loaders against hostile files: the safetensors decoder, the checkpoint and weights checks
 * (against a model's layout, no GPU needed: decoding writes nothing) and the IDX parser. Each
 * either loads or throws its module's named error; property-based cases mutate valid files.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DatasetError, decompress, loadIdxPair, parseIdx } from '../src/data/idx.ts';
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, SafetensorsError, type NamedTensor } from '../src/io/safetensors.ts';
import { lenetParameters, lenetRunningStatistics, sizeOf } from '../src/model/lenet.ts';
import { variant } from '../src/model/variants.ts';
import { CheckpointMismatchError, decodeCheckpoint, type CheckpointTarget } from '../src/train/checkpoint.ts';
import { resolveOptions } from '../src/train/options.ts';
import type { ModelState } from '../src/train/state.ts';
import { decodeWeights } from '../src/train/weights.ts';
import { gzip, idxBytes, syntheticPair } from './support/idx.ts';

const test = suite('loaders');

/** A safetensors file from a hand-written header and data, as a hostile tool might write one. */
function raw(header: unknown, data = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function refuses(f: () => unknown, pattern: RegExp, type: new (...a: never[]) => Error = SafetensorsError): void {
  try {
    f();
  } catch (error) {
    assert.instance(error, type, `${(error as Error).name}: ${(error as Error).message}`);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected ${type.name} matching ${pattern}`);
}

const f32 = (name: string, values: number[], shape = [values.length]): NamedTensor => ({ name, dtype: 'F32', shape, data: values });

test('round-trips F32 and I64 tensors and string metadata', () => {
  const bytes = encodeSafetensors([f32('a', [1.5, -2, 0]), { name: 'n', dtype: 'I64', shape: [], data: [7] }, f32('empty', [], [0, 3])], { k: 'v' });
  const { tensors, metadata } = decodeSafetensors(bytes, 'ok.safetensors');
  assert.equal(Array.from(tensors.get('a')!.data), [1.5, -2, 0]);
  assert.equal(Array.from(tensors.get('n')!.data), [7]);
  assert.equal(tensors.get('empty')!.shape, [0, 3]);
  assert.equal(metadata, { k: 'v' });
});

test('malformed headers are SafetensorsErrors naming the file, tensor and field, never a TypeError', () => {
  const four = new Uint8Array(16);
  const cases: [Uint8Array, RegExp][] = [
    [raw('null'), /^x\.st: header is null, expected a JSON object of tensors$/],
    [raw('[1,2]'), /header is a list/],
    [raw('"text"'), /header is "text"/],
    [raw('{"w": null}'), /tensor "w": entry is null, expected \{dtype, shape, data_offsets\}/],
    [raw({ w: { dtype: 'F32', shape: '4', data_offsets: [0, 16] } }, four), /tensor "w": shape is "4", expected a list of integers ≥ 0/],
    [raw({ w: { dtype: 'F32', shape: [4] } }, four), /tensor "w": data_offsets is missing/],
    [raw({ w: { dtype: 'F32', shape: [4], data_offsets: [0] } }, four), /tensor "w": data_offsets is \[0\]/],
    [raw({ w: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, four), /shape is \[-4\]/],
    [raw({ w: { dtype: 'F32', shape: [4.5], data_offsets: [0, 16] } }, four), /shape is \[4\.5\]/],
    [raw({ w: { dtype: 'toString', shape: [4], data_offsets: [0, 16] } }, four), /tensor "w": dtype is "toString"; only F32 and I64/],
    [raw({ w: { shape: [4], data_offsets: [0, 16] } }, four), /tensor "w": dtype is undefined/],
    [raw({ __metadata__: null }), /__metadata__ is null, expected an object of strings/],
    [raw({ __metadata__: { a: 1 } }), /__metadata__\.a is 1, expected a string/],
    [raw('{"w": '), /header is not valid UTF-8 JSON/],
    [new Uint8Array(5), /5 bytes is too short/],
  ];
  for (const [bytes, pattern] of cases) refuses(() => decodeSafetensors(bytes, 'x.st'), pattern);
  refuses(() => decodeSafetensors(null as unknown as Uint8Array, 'x.st'), /expected the file's bytes/);
});

test('data_offsets: negative, reversed, out of range, overlapping, gaps and trailing bytes are refused', () => {
  const data = new Uint8Array(32);
  const w = (offsets: unknown, shape = [4]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const cases: [unknown, RegExp][] = [
    // A negative start would read header bytes as weights.
    [{ w: w([-8, 8]) }, /tensor "w": data_offsets is \[-8,8\], expected \[start, end\], integers ≥ 0/],
    [{ w: w([16, 0]) }, /data_offsets \[16, 0\] are not a range inside the 32 data bytes/],
    [{ w: w([24, 40]) }, /data_offsets \[24, 40\] are not a range inside the 32 data bytes/],
    [{ w: w([0, 12]) }, /shape \[4\] of F32 needs 16 bytes, data_offsets \[0, 12\] hold 12/],
    [{ a: w([0, 16]), b: w([8, 24]), c: w([24, 32], [2]) }, /tensor "b" data_offsets \[8, 24\] overlap "a" \[0, 16\]/],
    [{ a: w([0, 16]), b: w([16, 24], [2]) }, /8 data bytes after the last tensor belong to no tensor/],
    [{ a: w([16, 32]) }, /16 data bytes at 0 belong to no tensor \(before "a"\)/],
    [{ a: w([0, 16], [2 ** 40, 2 ** 40, 0.5]) }, /shape/],
    [{ a: w([0, 16], [2 ** 30, 2 ** 30, 2 ** 30]) }, /needs more than the file holds/],
  ];
  for (const [header, pattern] of cases) refuses(() => decodeSafetensors(raw(header, data), 'x.st'), pattern);
});

test('alias and size bombs are refused from the header alone, before anything is allocated', () => {
  // 300 entries that all alias one 1 MB tensor: once 3.2 s and +468 MB, now refused at the second entry.
  const data = new Uint8Array(2 ** 20);
  const header = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`t${i}`, { dtype: 'F32', shape: [2 ** 18], data_offsets: [0, 2 ** 20] }]));
  const started = performance.now();
  refuses(() => decodeSafetensors(raw(header, data), 'bomb.st'), /overlap/);
  assert.ok(performance.now() - started < 500, `refused in ${(performance.now() - started).toFixed(0)} ms`);
  // A header length of 2^63 or just past the limit: refused before any read.
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
  refuses(() => decodeSafetensors(huge, 'huge.st'), new RegExp(`header length ${2n ** 63n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`));
});

// --- checkpoints and weights against a model's layout (decoding writes nothing, so no GPU) ---

// METRICS.length of src/ops/metrics.ts, which this Node test cannot import (it loads WGSL).
const METRIC_COUNT = 4;
const options = resolveOptions({ variant: variant('batchnorm'), batchSize: 16, validationSize: 20, seed: 3 });
const specs = lenetParameters(true);
const statisticSpecs = lenetRunningStatistics(true);
const elements = specs.reduce((n, s) => n + sizeOf(s.shape), 0);
const slot = (shape: number[]) => ({ shape, size: sizeOf(shape) });
const model = {
  specs, statisticSpecs, variant: options.variant,
  params: { flat: slot([elements]) }, moment1: { flat: slot([elements]) }, moment2: { flat: slot([elements]) },
  statistics: new Map(statisticSpecs.map((s) => [s.name, slot(s.shape)])),
} as unknown as ModelState;
const target = { gpu: null, model, trainMetrics: slot([METRIC_COUNT]), options, trainSize: 100, testCount: 40, stepsPerEpoch: 7 } as unknown as CheckpointTarget;

const epochRecord = (epoch: number) => ({
  variant: 'batchnorm', epoch, steps: 7 * epoch, trainLoss: 2, trainAccuracy: 0.1, validationLoss: 2, validationAccuracy: 0.1,
  testLoss: 2, testAccuracy: 0.1, trainSeconds: 1, samplesPerSecond: 100,
});

/** A valid checkpoint of `target` at epoch 1, step 3, with `change` applied to its parts. */
function checkpoint(change: { state?: (s: Record<string, unknown>) => void; tensor?: (t: NamedTensor) => NamedTensor | null } = {}): Uint8Array {
  const state: Record<string, unknown> = {
    options, position: { epoch: 1, stepInEpoch: 3, globalStep: 10 }, history: [epochRecord(1)], batchesTracked: 10, epochSeconds: 0.5,
    trainSize: 100, testCount: 40,
  };
  change.state?.(state);
  const sized: [string, number[]][] = [['params', [elements]], ['moment1', [elements]], ['moment2', [elements]], ['metrics.train', [METRIC_COUNT]],
    ...statisticSpecs.map((s): [string, number[]] => [s.name, s.shape])];
  const tensors = sized.map(([name, shape]) => f32(name, Array.from({ length: sizeOf(shape) }, (_, i) => (i % 7) / 7), shape))
    .map((t) => (change.tensor ? change.tensor(t) : t)).filter((t): t is NamedTensor => t !== null);
  return encodeSafetensors(tensors, { checkpoint: JSON.stringify(state) });
}

test('a valid checkpoint loads with every tensor and the run state', () => {
  const loaded = decodeCheckpoint(target, checkpoint(), 'run/ckpt.safetensors');
  assert.is(loaded.writes.length, 4 + statisticSpecs.length);
  assert.equal(loaded.run.position, { epoch: 1, stepInEpoch: 3, globalStep: 10 });
  assert.is(loaded.run.history.length, 1);
});

test('checkpoint: non-finite moments, bad fields and another run are refused by name; nothing is returned to write', () => {
  const file = 'out/run/checkpoint.safetensors';
  const nanAt = (name: string, i: number, v: number) => (t: NamedTensor) => (t.name === name ? { ...t, data: Array.from(t.data, (x, j) => (j === i ? v : x)) } : t);
  refuses(() => decodeCheckpoint(target, checkpoint({ tensor: nanAt('moment2', 5, NaN) }), file), /^out\/run\/checkpoint\.safetensors: moment2 holds NaN at element 5/);
  refuses(() => decodeCheckpoint(target, checkpoint({ tensor: nanAt('params', 0, -Infinity) }), file), /params holds -Infinity at element 0/);
  refuses(() => decodeCheckpoint(target, checkpoint({ tensor: nanAt('bn1.running_var', 2, Infinity) }), file), /bn1\.running_var holds Infinity/);
  refuses(() => decodeCheckpoint(target, checkpoint({ tensor: (t) => (t.name === 'moment1' ? null : t) }), file), /moment1 is missing/);
  refuses(() => decodeCheckpoint(target, checkpoint({ tensor: (t) => (t.name === 'moment1' ? { ...t, name: 'moment9' } : t) }), file), /unexpected tensors moment9/);
  const state = (f: (s: Record<string, unknown>) => void) => checkpoint({ state: f });
  refuses(() => decodeCheckpoint(target, state((s) => { s.options = null; }), file), /checkpoint options are null/);
  refuses(() => decodeCheckpoint(target, state((s) => { s.position = { epoch: 1, stepInEpoch: 3, globalStep: 99 }; }), file), /position .* is not a position of this run/);
  refuses(() => decodeCheckpoint(target, state((s) => { s.history = [epochRecord(2)]; }), file), /history\[0\]: epoch 2, expected 1/);
  refuses(() => decodeCheckpoint(target, state((s) => { s.history = [{ ...epochRecord(1), testLoss: 'x' }]; }), file), /history\[0\]: testLoss is not a number/);
  refuses(() => decodeCheckpoint(target, state((s) => { s.history = []; }), file), /history is 0 epochs, expected 1 epoch records/);
  refuses(() => decodeCheckpoint(target, state((s) => { s.batchesTracked = -1; }), file), /batchesTracked is -1/);
  // Another run's checkpoint: each differing field with both values, not two JSON blobs.
  const other = state((s) => { s.options = { ...options, seed: 4, optimizer: { ...options.optimizer, lr: 0.01 } }; s.trainSize = 80; });
  refuses(() => decodeCheckpoint(target, other, file),
    /^out\/run\/checkpoint\.safetensors: checkpoint was made by another run: optimizer\.lr is 0\.01 in the checkpoint, 0\.001 in this trainer; seed is 4 in the checkpoint, 3 in this trainer; trainSize is 80 in the checkpoint, 100 in this trainer$/,
    CheckpointMismatchError);
  // stepsPerSubmit changes no number: a checkpoint loads with another.
  assert.ok(decodeCheckpoint(target, state((s) => { s.options = { ...options, stepsPerSubmit: 64 }; }), file));
});

test('weights: NaN/Inf refused naming the tensor; a valid file decodes to every parameter', () => {
  const tensors = [...specs, ...statisticSpecs].map((s) => f32(s.name, Array.from({ length: sizeOf(s.shape) }, (_, i) => i / 1000), s.shape));
  const ok = decodeWeights(model, encodeSafetensors(tensors), 'w.safetensors');
  assert.is(ok.parameters.size, specs.length);
  assert.is(ok.parameters.get('fc2.bias')!.length, 10);
  const bad = tensors.map((t) => (t.name === 'conv1.weight' ? { ...t, data: Array.from(t.data, (v, i) => (i === 4 ? NaN : v)) } : t));
  refuses(() => decodeWeights(model, encodeSafetensors(bad), 'w.safetensors'), /^w\.safetensors: conv1\.weight holds NaN at element 4; every value must be finite$/);
});

// --- property-based: mutated and random inputs load or throw the module's own error ---

const mutations = (valid: Uint8Array) => fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  fc.record({ at: fc.nat(valid.length - 1), value: fc.integer({ min: 0, max: 255 }), count: fc.integer({ min: 1, max: 8 }) }).map(({ at, value, count }) => {
    const b = valid.slice();
    for (let i = 0; i < count; i++) b[(at + i * 97) % b.length] = (value + i * 31) & 0xff;
    return b;
  }),
  fc.nat(valid.length).map((n) => valid.slice(0, n)),
);

function loadsOrThrows(f: () => unknown, type: new (...a: never[]) => Error): void {
  try {
    f();
  } catch (error) {
    if (!(error instanceof type)) throw new Error(`expected ${type.name}, got ${(error as Error).name}: ${(error as Error).message}`);
  }
}

test('fuzz: the safetensors decoder loads or throws SafetensorsError', () => {
  const valid = encodeSafetensors([f32('a', [1, 2, 3, 4]), f32('b', [5, 6], [1, 2]), { name: 'n', dtype: 'I64', shape: [1], data: [3] }], { m: 'x' });
  // Headers rewritten as JSON values of any shape (a null here, a string shape there).
  const header = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.jsonValue({ maxDepth: 2 }),
    fc.record({ dtype: fc.constantFrom('F32', 'I64', 'F16', 7), shape: fc.jsonValue({ maxDepth: 1 }), data_offsets: fc.jsonValue({ maxDepth: 1 }) })), { maxKeys: 4 });
  fc.assert(fc.property(mutations(valid), (bytes) => loadsOrThrows(() => decodeSafetensors(bytes, 'f.st'), SafetensorsError)), { numRuns: 500 });
  fc.assert(fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, data) => loadsOrThrows(() => decodeSafetensors(raw(h, data), 'f.st'), SafetensorsError)), { numRuns: 500 });
});

test('fuzz: the checkpoint and weights loaders load or throw SafetensorsError', () => {
  const valid = checkpoint();
  fc.assert(fc.property(mutations(valid), (bytes) => {
    loadsOrThrows(() => decodeCheckpoint(target, bytes, 'c.st'), SafetensorsError);
    loadsOrThrows(() => decodeWeights(model, bytes, 'c.st'), SafetensorsError);
  }), { numRuns: 200 });
  // The run state as any JSON: position, history and options of every wrong type.
  const state = fc.dictionary(fc.constantFrom('options', 'position', 'history', 'batchesTracked', 'epochSeconds', 'trainSize'), fc.jsonValue({ maxDepth: 2 }));
  fc.assert(fc.property(state, (s) => loadsOrThrows(() => decodeCheckpoint(target, checkpoint({ state: (x) => Object.assign(x, s) }), 'c.st'), SafetensorsError)), { numRuns: 200 });
});

test('fuzz: the IDX parser loads or throws DatasetError', async () => {
  const { images, labels } = syntheticPair(3);
  fc.assert(fc.property(mutations(images), fc.integer({ min: 1, max: 3 }), (bytes, dims) => loadsOrThrows(() => parseIdx(bytes, 'f.idx', dims), DatasetError)), { numRuns: 500 });
  await fc.assert(fc.asyncProperty(mutations(gzip(images)), mutations(labels), async (img, lab) => {
    try {
      await loadIdxPair({ name: 'i.gz', bytes: img }, { name: 'l', bytes: lab });
    } catch (error) {
      if (!(error instanceof DatasetError)) throw new Error(`expected DatasetError, got ${(error as Error).name}: ${(error as Error).message}`);
    }
  }), { numRuns: 200 });
  // Dimensions whose product overflows 2^32: refused as truncated, not allocated.
  refuses(() => parseIdx(idxBytes([0xffffffff, 0xffffffff, 28], new Uint8Array(0)), 'big.idx', 3), /truncated: dimensions \[4294967295, 4294967295, 28\]/, DatasetError);
  try {
    await decompress(gzip(images).subarray(0, 30), 'cut.gz');
    assert.unreachable('a truncated gzip stream');
  } catch (error) {
    assert.instance(error, DatasetError);
    assert.match((error as Error).message, /^cut\.gz: gzip data is corrupt or truncated/);
  }
});

test.run();
