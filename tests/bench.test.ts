import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PEER_ENGINES } from '../bench/peer.ts';
import type { Report } from '../bench/report.ts';
import { IDX_FILES } from '../src/data/dataset.ts';
import { VARIANT_NAMES } from '../src/model/variants.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('bench --quick');

const isSummary = (s: unknown) => {
  const v = s as { min: number; median: number; max: number };
  return typeof v === 'object' && v !== null && [v.min, v.median, v.max].every(Number.isFinite) && v.min <= v.median && v.median <= v.max;
};

/** A folder with a small synthetic dataset as the four IDX files. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lenet-bench-'));
  const data = syntheticDataset(2048, 200, 5);
  for (const [key, file] of Object.entries(IDX_FILES)) writeFileSync(join(dir, file), Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64'));
  return dir;
}

test('writes a report of the right shape: all five engines, every variant, accuracy, ceiling, memory, profile, epoch', async () => {
  const dir = dataDir();
  const out = join(dir, 'bench.json');
  const { stdout } = await promisify(execFile)('node', ['--import', 'tsx', 'bench/run.ts', '--quick', '--data-dir', dir, '--out', out], { timeout: 400_000 });
  assert.match(stdout, /ours\/peer/);
  const r = JSON.parse(readFileSync(out, 'utf8')) as Report;

  assert.is(r.quick, true);
  assert.ok(r.device.architecture.length > 0 && r.versions.tfjs.startsWith('4.') && r.versions.jaxJs.startsWith('0.'));
  assert.is(r.flops.perTrainingSample, 2_263_920);

  // Every peer started, on the backend and thread count asked for, in a cross-origin isolated page.
  assert.equal(r.unavailable, {});
  assert.is(r.crossOriginIsolated, true);
  const peer = (engine: string) => r.peers.find((p) => p.engine === engine)!;
  assert.equal(r.peers.map((p) => p.engine), [...PEER_ENGINES]);
  assert.is(peer('tfjs-webgpu').backend, 'webgpu');
  assert.is(peer('jax-js').backend, 'webgpu');
  for (const threads of [1, 2]) {
    const wasm = peer(`tfjs-wasm-${threads}t`);
    assert.is(wasm.backend, 'wasm');
    assert.is(wasm.details.threads, threads);
    assert.is(wasm.details.simd, true);
    assert.is(wasm.details.crossOriginIsolated, true);
    // The stock backend cannot train the model; bench/wasm-kernel.ts adds the missing kernel.
    assert.is(wasm.details.stockError, "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'");
  }

  const batches = r.settings.batches;
  const engines = ['ours', ...PEER_ENGINES];
  for (const engine of engines) {
    // jax-js trains only the baseline.
    for (const variant of engine === 'jax-js' ? ['baseline'] : VARIANT_NAMES) {
      for (const batch of batches) {
        const entry = r.throughput.find((t) => t.engine === engine && t.variant === variant && t.batch === batch);
        assert.ok(entry && isSummary(entry.samplesPerSec) && entry.samplesPerSec.min > 0, `${engine} ${variant} ${batch}`);
      }
      assert.ok(r.inference.some((i) => i.engine === engine && i.variant === variant && isSummary(i.samplesPerSec)), `${engine} ${variant} inference`);
      // Every engine is timed on the same test images in the same batches.
      const same = r.inference.filter((i) => i.variant === variant);
      assert.equal(new Set(same.map((i) => `${i.images}@${i.batch}`)).size, 1, `${variant} inference sets ${JSON.stringify(same.map((i) => [i.engine, i.images, i.batch]))}`);
    }
  }
  assert.is(r.throughput.length, (engines.length - 1) * VARIANT_NAMES.length * batches.length + batches.length);
  assert.is(r.ratios.length, VARIANT_NAMES.length * batches.length);
  for (const ratio of r.ratios) {
    const rates = r.throughput.filter((t) => t.engine !== 'ours' && t.variant === ratio.variant && t.batch === ratio.batch);
    assert.is(Object.keys(ratio.oursOver).length, rates.length);
    assert.is(ratio.fastestPeer, rates.reduce((a, b) => (b.samplesPerSec.median > a.samplesPerSec.median ? b : a)).engine);
    assert.equal(ratio.oursOverFastestPeer, ratio.oursOver[ratio.fastestPeer]);
    assert.ok(Object.values(ratio.oursOver).every(isSummary));
  }

  // Accuracy after the same steps on the same test images, for every engine.
  assert.equal(r.accuracy.map((a) => a.engine), engines);
  for (const a of r.accuracy) {
    assert.ok(a.steps === r.settings.accuracy.steps && a.batch === r.settings.accuracy.batch && a.testImages === r.settings.peerData.accuracyImages);
    const hits = a.testAccuracy * a.testImages;
    assert.ok(a.testAccuracy >= 0 && a.testAccuracy <= 1 && Math.abs(hits - Math.round(hits)) < 1e-6, `${a.engine}: ${a.testAccuracy}`);
  }
  // Our steps are recorded several to a command buffer, with one metrics readback per submit.
  const ours = r.throughput.filter((t) => t.engine === 'ours');
  assert.ok(ours.every((t) => t.submitsPerStep < 1 && t.readbacksPerStep <= t.submitsPerStep));

  assert.ok(isSummary(r.ceiling.matmul.median) && r.ceiling.configs.length === r.settings.matmul.configs.length);
  assert.is(r.ceiling.ours.length, ours.length);
  assert.ok(r.ceiling.ours.every((c) => isSummary(c.gflops) && isSummary(c.fractionOfMatmul)));

  assert.is(r.memory.length, VARIANT_NAMES.length * batches.length);
  for (const m of r.memory) {
    assert.is(m.buffers.reduce((s, b) => s + b.bytes, 0), m.totalBytes);
    assert.ok(m.buffers.some((b) => b.label === 'params'), `${m.variant}: no params buffer`);
  }
  const bn = r.memory.find((m) => m.variant === 'batchnorm')!;
  assert.ok(bn.totalBytes > r.memory.find((m) => m.variant === 'baseline' && m.batch === bn.batch)!.totalBytes);

  assert.is(r.profile.length, VARIANT_NAMES.length * batches.length);
  for (const p of r.profile) {
    assert.ok(p.kernels.length > 10 && p.kernels.every((k) => isSummary(k.ms) && k.kernel.includes(':')));
    assert.ok(Math.abs(p.kernels.reduce((s, k) => s + k.share, 0) - 1) < 1e-9);
    assert.ok(p.kernels.some((k) => k.kernel.endsWith(':adam_step')));
  }

  const e = r.epoch;
  assert.is(e.epochs, r.settings.repetitions);
  assert.is(e.submitsPerEpoch.max, Math.ceil(e.steps / e.stepsPerSubmit));
  assert.is(e.readbacksPerEpoch.max, e.submitsPerEpoch.max);
  assert.ok(isSummary(e.trainSeconds) && isSummary(e.samplesPerSec));
});

test('bench:kernels prints throughput and a per-kernel profile whose shares add up', async () => {
  const args = ['--import', 'tsx', 'bench/kernels.ts', '--data-dir', dataDir(), '--variant', 'baseline', 'batchnorm', '--batch', '16', '--steps', '4', '--repetitions', '1'];
  const { stdout } = await promisify(execFile)('node', args, { timeout: 200_000 });
  for (const variant of ['baseline', 'batchnorm']) {
    const section = stdout.split(`\n${variant} @ 16: `)[1]?.split('\n\n')[0];
    assert.ok(section, `no section for ${variant} in:\n${stdout}`);
    assert.match(section, /^\d+ \(\d+–\d+\) samples\/s, [\d.]+ GFLOP\/s, [\d.]+ ms\/step, kernels [\d.]+ ms/);
    const shares = [...section.matchAll(/^ +[\d.]+ ms +([\d.]+)%/gm)].map((m) => Number(m[1]));
    assert.ok(shares.length > 10, `${variant}: ${shares.length} kernels`);
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 100) < 1, `${variant}: shares add up to ${shares.reduce((a, b) => a + b, 0)}%`);
    assert.is(section.includes('batchnorm.wgsl'), variant === 'batchnorm');
  }
});

test.run();
