import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { acquireDevice, WebGPUUnavailableError } from '../src/gpu/device.ts';
import { foldWorkgroups } from '../src/gpu/dispatch.ts';
import { harnessPage, runOnGpu } from './support/browser.ts';
import { ramp } from './support/random.ts';

const test = suite('gpu layer');

async function message(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, WebGPUUnavailableError);
    return (error as Error).message;
  }
  return assert.unreachable('expected WebGPUUnavailableError') as never;
}

test('missing WebGPU, insecure origin and missing adapter say what to do', async () => {
  const global = globalThis as { isSecureContext?: boolean };
  assert.match(await message(acquireDevice()), /navigator\.gpu is missing.*--enable-unsafe-webgpu/);
  global.isSecureContext = false;
  try {
    assert.match(await message(acquireDevice()), /not a secure context.*http:\/\/127\.0\.0\.1/);
  } finally {
    delete global.isSecureContext;
  }
  const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
  assert.match(await message(acquireDevice({ gpu: noAdapter })), /requestAdapter\(\) returned no adapter.*chrome:\/\/gpu/);
});

test('large 1-D grids fold into 2-D within the per-dimension limit', () => {
  assert.equal(foldWorkgroups(10, 65535), [10, 1, 1]);
  const [x, y] = foldWorkgroups(200_000, 65535);
  assert.ok(x <= 65535 && x * y >= 200_000 && x * (y - 1) < 200_000);
  assert.throws(() => foldWorkgroups(65535 * 65535 + 1, 65535), /exceeds 65535²/);
});

test('a kernel over more than 65,535 workgroups covers every element', async () => {
  // 64 threads × 4 elements per workgroup: this needs 70,001 workgroups, so the grid is folded.
  const n = 70_000 * 256 + 3;
  const indices = [0, 1, 255, 256, 65_535 * 256, 65_535 * 256 + 1, 69_999 * 256 + 17, n - 1];
  const result = await runOnGpu({
    tensors: { x: { shape: [n], fill: 'ramp' }, y: { shape: [n] } },
    ops: { tanh: { op: 'Tanh', args: [[n]] } },
    actions: [{ call: 'tanh', method: 'forward', args: ['x', 'y'] }, { read: ['y'], indices }],
  });
  assert.not.ok(result.error, result.error?.message);
  result.reads[0]!.tensors.y!.forEach((v, k) => {
    const expected = Math.tanh(Math.fround(ramp(indices[k]!)));
    assert.ok(Math.abs(v - expected) <= 1e-6 + 1e-5 * Math.abs(expected), `element ${indices[k]}: ${v} vs ${expected}`);
  });
});

test('a buffer too small for its binding is named with both sizes', async () => {
  const result = await runOnGpu({
    tensors: { x: { shape: [100], bufferElements: 12 }, y: { shape: [100] } },
    ops: { tanh: { op: 'Tanh', args: [[100]] } },
    actions: [{ call: 'tanh', method: 'forward', args: ['x', 'y'] }],
  });
  assert.is(result.error?.name, 'BindingError');
  assert.match(result.error!.message, /tanh\.wgsl tanh_forward: binding 'x' \(@binding\(1\)\) needs 400 bytes but buffer 'x' has 48/);
});

test('a tensor of the wrong element type is refused at bind time', async () => {
  const result = await runOnGpu({
    tensors: { x: { shape: [8], dtype: 'u32' }, y: { shape: [8] } },
    ops: { tanh: { op: 'Tanh', args: [[8]] } },
    actions: [{ call: 'tanh', method: 'forward', args: ['x', 'y'] }],
  });
  assert.match(result.error?.message ?? '', /binding 'x' holds f32 but tensor 'x' is u32/);
});

test('a tensor larger than maxStorageBufferBindingSize is refused before allocation', async () => {
  const { page } = await harnessPage();
  const limits = await page.evaluate(() => (globalThis as unknown as { harness: { adapter(): Promise<{ limits: Record<string, number> }> } }).harness.adapter());
  const elements = limits.limits.maxStorageBufferBindingSize! / 4 + 1;
  const result = await runOnGpu({ tensors: { big: { shape: [elements] } }, ops: {}, actions: [] });
  assert.is(result.error?.name, 'RangeError');
  assert.match(result.error!.message, new RegExp(`big: ${elements * 4} bytes exceeds this device's maxStorageBufferBindingSize \\(${limits.limits.maxStorageBufferBindingSize}\\)`));
});

test('non-positive and non-integer sizes are refused', async () => {
  for (const shape of [[0, 3], [2, -1], [1.5]]) {
    const result = await runOnGpu({ tensors: {}, ops: { tanh: { op: 'Tanh', args: [shape] } }, actions: [] });
    assert.is(result.error?.name, 'RangeError');
    assert.match(result.error!.message, /Tanh shape: dimension \d of shape .* must be a positive integer/);
  }
});

test('a lost device is reported to listeners and every later call fails clearly', async () => {
  const { page } = await harnessPage();
  const report = await page.evaluate(() => (globalThis as unknown as { harness: { deviceLoss(): Promise<{ listener: string; error: string }> } }).harness.deviceLoss());
  assert.is(report.listener, 'destroyed');
  assert.match(report.error, /^DeviceLostError: the GPU device was lost \(destroyed\)/);
});

test.run();
