/**
 * npm run quirks: a finished study's final weights evaluated the original's way. It rests on
 * training being the same with and without --quirks (checked here bit for bit), and on the
 * variants without dropout or batch norm scoring the same either way.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDX_FILES } from '../src/data/dataset.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('quirks');
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

function cli(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['--import', 'tsx', script, ...args], { timeout: 300_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error as { code: number }).code : 0, stdout, stderr });
    });
  });
}

const data = tmp('lenet-data-');
const synthetic = syntheticDataset(160, 60, 17);
for (const [key, file] of Object.entries(IDX_FILES)) writeFileSync(join(data, file), Buffer.from(synthetic.base64[key as keyof typeof IDX_FILES], 'base64'));
const tiny = ['--data-dir', data, '--dataset', 'mnist', '--batch-size', '16', '--validation-size', '32'];

test('training is the same with and without --quirks: every parameter bit for bit, and the training metrics', async () => {
  const [plain, quirks] = [join(tmp('lenet-out-'), 'run'), join(tmp('lenet-out-'), 'run')];
  for (const [out, extra] of [[plain, []], [quirks, ['--quirks']]] as const) {
    const result = await cli('cli/train.ts', ['--variant', 'batchnorm', '--dropout', '0.5', '--epochs', '2', '--seed', '4', ...tiny, ...extra, '--out', out]);
    assert.is(result.code, 0, result.stderr);
  }
  const weights = (dir: string) => decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'weights.safetensors')))).tensors;
  const [a, b] = [weights(plain), weights(quirks)];
  for (const [name, t] of a) {
    // Only evaluation differs; the original's evaluation (train mode) also moves the running statistics.
    if (name.includes('running_')) continue;
    const bits = (values: ArrayLike<number>) => Buffer.from(Float32Array.from(values).buffer);
    assert.ok(bits(t.data).equals(bits(b.get(name)!.data)), name);
  }
  const trainOnly = (dir: string) => JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).perEpoch.map((e: Record<string, number>) => [e.trainLoss, e.trainAccuracy]);
  assert.equal(trainOnly(quirks), trainOnly(plain));
});

test("a finished study's weights evaluated with --quirks: variants without dropout or batch norm score the same, the verdicts compared", async () => {
  const study = join(tmp('lenet-study-'), 'study');
  const trained = await cli('cli/study.ts', [...tiny, '--epochs', '1', '--seeds', '0,1', '--out', study]);
  assert.is(trained.code, 0, trained.stderr);
  const result = await cli('cli/quirks.ts', ['--study', study]);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /^quirks: dropout seed 1: test \d+\.\d\d% → \d+\.\d\d% with --quirks$/m);
  const record = JSON.parse(readFileSync(`${study}-quirks/quirks.json`, 'utf8'));
  assert.is(record.runs.length, 8);
  for (const run of record.runs) {
    // Accuracy over the whole test set does not depend on batch size or order.
    if (run.variant === 'baseline' || run.variant === 'weight-decay') assert.is(run.quirks.testAccuracy, run.correct.testAccuracy, `${run.variant} ${run.seed}`);
  }
  assert.is(record.verdicts.quirks.length, 3);
  const report = readFileSync(`${study}-quirks/QUIRKS.md`, 'utf8');
  for (const v of record.verdicts.quirks) assert.ok(report.includes(`| ${v.claim} |`), v.claim);
  assert.ok(report.includes('](../study/REPORT.md)'), 'links the study');

  // A study already evaluated the original's way, or an unfinished one, is refused (exit 2).
  const again = await cli('cli/quirks.ts', ['--study', study]);
  assert.is(again.code, 2);
  assert.match(again.stderr, /^quirks: --out .*study-quirks already holds a quirks run \(quirks\.json\); choose another --out, or pass --force to replace its outputs/m);
  const missing = await cli('cli/quirks.ts', ['--study', join(study, 'nothing')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /results\.json does not exist: --study names a study's folder/);
});

test.run();
