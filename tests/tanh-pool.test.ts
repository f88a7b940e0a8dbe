import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRandom } from '../src/random.ts';
import { runOnGpu } from './support/browser.ts';
import { expectClose, expectIdentical } from './support/compare.ts';
import { randomF32, suiteSeed } from './support/random.ts';
import { tanhBackward, tanhForward } from './reference/tanh.ts';
import { avgPoolBackward, avgPoolForward } from './reference/pool.ts';

const test = suite('tanh+pool fused');
const SEED = suiteSeed(707);
// A k×k mean of tanh values (k² ≤ 25 terms): f32 rounding of exp and of the sum.
const TOL = { atol: 1e-6, rtol: 1e-5 };

// [batch, channels, height, width, k]: LeNet's two pooled maps, batch 1, odd sizes (floor mode
// leaves the last row/column outside every window).
const CASES = [[4, 6, 28, 28, 2], [4, 16, 10, 10, 2], [1, 1, 5, 5, 2], [3, 5, 7, 9, 2], [2, 3, 6, 4, 2]];

for (const [batch, channels, height, width, k] of CASES as [number, number, number, number, number][]) {
  test(`[${batch},${channels},${height},${width}] k${k}: equals unfused tanh → avgpool bit for bit (tanh kept in place), and the reference`, async () => {
    const rng = new SeededRandom(SEED + batch * 31 + height);
    const inShape = [batch, channels, height, width];
    const outShape = [batch, channels, Math.floor(height / k), Math.floor(width / k)];
    const n = inShape.reduce((a, b) => a * b, 1);
    const m = outShape.reduce((a, b) => a * b, 1);
    const z = randomF32(rng, n, -3, 3);
    const dy = randomF32(rng, m);
    const pool = { batch, channels, height, width, kernelSize: k, stride: k };
    const result = await runOnGpu({
      tensors: {
        z: { shape: inShape, data: z }, z2: { shape: inShape, data: z }, dy: { shape: outShape, data: dy },
        y: { shape: outShape }, dz: { shape: inShape, data: new Array(n).fill(123) },
        a: { shape: inShape }, y2: { shape: outShape }, da: { shape: inShape }, dz2: { shape: inShape },
      },
      ops: { fused: { op: 'TanhPool', args: [{ batch, channels, height, width, kernelSize: k }] }, tanh: { op: 'Tanh', args: [inShape] }, pool: { op: 'AvgPool2d', args: [pool] } },
      actions: [
        { call: 'fused', method: 'forward', args: ['z', 'y'] },
        { call: 'fused', method: 'backward', args: ['z', 'dy', 'dz'] },
        { call: 'tanh', method: 'forward', args: ['z2', 'a'] },
        { call: 'pool', method: 'forward', args: ['a', 'y2'] },
        { call: 'pool', method: 'backward', args: ['dy', 'da'] },
        { call: 'tanh', method: 'backward', args: ['a', 'da', 'dz2'] },
        { read: ['z', 'y', 'dz', 'a', 'y2', 'dz2'] },
      ],
    });
    assert.not.ok(result.error, result.error?.message);
    const r = result.reads[0]!.tensors;
    const context = `seed ${SEED} shape [${inShape}] k${k}`;
    expectIdentical(r.y!, r.y2!, `forward fused vs unfused ${context}`);
    // Forward leaves tanh(z) in z inside the windows and z itself outside them (floor mode).
    const [outH, outW] = outShape.slice(2) as [number, number];
    const inWindow = (i: number) => Math.floor((i % (height * width)) / width) < outH * k && (i % width) < outW * k;
    expectIdentical(r.z!, r.a!.map((a, i) => (inWindow(i) ? a : z[i]!)), `forward's tanh left in z ${context}`);
    expectIdentical(r.dz!, r.dz2!, `backward fused vs unfused ${context}`);
    const a = tanhForward(z);
    expectClose(r.y!, avgPoolForward(a, pool), TOL, `forward vs reference ${context}`);
    expectClose(r.dz!, tanhBackward(a, avgPoolBackward(dy, pool)), TOL, `backward vs reference ${context}`);
  });
}

test('shape mismatches and bad sizes are refused by name', async () => {
  const bad = await runOnGpu({
    tensors: { z: { shape: [1, 2, 4, 4] }, y: { shape: [1, 2, 3, 3] } },
    ops: { f: { op: 'TanhPool', args: [{ batch: 1, channels: 2, height: 4, width: 4, kernelSize: 2 }] } },
    actions: [{ call: 'f', method: 'forward', args: ['z', 'y'] }],
  });
  assert.match(bad.error?.message ?? '', /TanhPool forward: y has shape \[1, 2, 3, 3\] but \[1, 2, 2, 2\] was expected/);
  const size = await runOnGpu({ tensors: {}, ops: { f: { op: 'TanhPool', args: [{ batch: 1, channels: 2, height: 4, width: 4, kernelSize: 0 }] } }, actions: [] });
  assert.match(size.error?.message ?? '', /TanhPool: kernelSize must be a positive integer, got 0/);
  const three = await runOnGpu({ tensors: {}, ops: { f: { op: 'TanhPool', args: [{ batch: 1, channels: 2, height: 6, width: 6, kernelSize: 3 }] } }, actions: [] });
  assert.match(three.error?.message ?? '', /TanhPool: kernelSize must be 2 \(other windows: Tanh then AvgPool2d\), got 3/);
});

test.run();
