import { suite } from 'uvu';
import { SeededRandom } from '../src/random.ts';
import { runOnGpu } from './support/browser.ts';
import { randomF32 } from './support/random.ts';
const test = suite('scratch');
test('time', async () => {
  const rng = new SeededRandom(5);
  for (const s of [{ batch: 256, inFeatures: 120, outFeatures: 84 }, { batch: 256, inFeatures: 84, outFeatures: 10 }, { batch: 64, inFeatures: 120, outFeatures: 84 }]) {
    const x = randomF32(rng, s.batch * s.inFeatures), w = randomF32(rng, s.outFeatures * s.inFeatures), b = randomF32(rng, s.outFeatures), dy = randomF32(rng, s.batch * s.outFeatures);
    const tensors = { x: { shape: [s.batch, s.inFeatures], data: x }, w: { shape: [s.outFeatures, s.inFeatures], data: w }, b: { shape: [s.outFeatures], data: b }, dy: { shape: [s.batch, s.outFeatures], data: dy }, y: { shape: [s.batch, s.outFeatures] }, dx: { shape: [s.batch, s.inFeatures] }, dw: { shape: [s.outFeatures, s.inFeatures] }, db: { shape: [s.outFeatures] } };
    const calls: Record<string, any> = { forward: ['x', 'w', 'b', 'y'], backwardInput: ['dy', 'w', 'dx'], backwardWeight: ['x', 'dy', 'dw', 'db'] };
    for (const rep of [0, 1]) for (const [m, args] of Object.entries(calls)) {
      const times: number[] = [];
      for (const iters of [1, 51]) {
        const acts: any[] = [];
        for (let i = 0; i < iters; i++) acts.push({ call: 'fc', method: m, args });
        const t0 = performance.now();
        await runOnGpu({ tensors, ops: { fc: { op: 'Linear', args: [s] } }, actions: [...acts, { read: ['db'] }] });
        times.push(performance.now() - t0);
      }
      if (rep) console.log(JSON.stringify(s), m, 'ms/dispatch', ((times[1]! - times[0]!) / 50).toFixed(3), 'MFLOP/s', (2 * s.batch * s.inFeatures * s.outFeatures / ((times[1]! - times[0]!) / 50) / 1e3).toFixed(0));
    }
  }
});
test.run();
