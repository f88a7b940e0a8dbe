import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { IDX_FILES } from '../src/data/dataset.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('train command');
const run = promisify(execFile);

/** Run `npm run train -- args`; resolves with exit code and output whatever the code. */
async function train(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['--import', 'tsx', 'cli/train.ts', ...args], { timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function syntheticDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lenet-data-'));
  const data = syntheticDataset(120, 40, 9);
  for (const [key, file] of Object.entries(IDX_FILES)) writeFileSync(join(dir, file), Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64'));
  return dir;
}

test('trains a variant and writes metrics.json and weights.safetensors', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lenet-out-'));
  const result = await train(['--variant', 'batchnorm', '--steps', '6', '--seed', '3', '--batch-size', '16', '--validation-size', '20',
    '--data-dir', syntheticDir(), '--dataset', 'mnist', '--out', out]);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /test accuracy \d+\.\d+% after 6 steps/);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.is(metrics.variant, 'batchnorm');
  assert.is(metrics.seed, 3);
  assert.is(metrics.steps, 6);
  assert.is(metrics.parameterCount, 61_990);
  assert.ok(metrics.testAccuracy >= 0 && metrics.testAccuracy <= 1);
  assert.ok(metrics.samplesPerSecond > 0);
  assert.is(metrics.adapter.architecture, 'swiftshader');
  const weights = decodeSafetensors(new Uint8Array(readFileSync(join(out, 'weights.safetensors'))));
  assert.equal(weights.tensors.get('conv3.weight')!.shape, [120, 16, 5, 5]);
});

test('a bad option names the option and the allowed values; nothing is written', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'lenet-out-')), 'never');
  const variant = await train(['--variant', 'huge', '--steps', '1', '--out', out]);
  assert.is(variant.code, 1);
  assert.match(variant.stderr, /option '--variant <name>' argument 'huge' is invalid\. Allowed choices are baseline, dropout, weight-decay, batchnorm/);
  const lr = await train(['--lr', '-3', '--steps', '1', '--out', out]);
  assert.match(lr.stderr, /option '--lr <x>' argument '-3' is invalid\. expected a number in \(0, 10\]/);
  const budget = await train(['--out', out]);
  assert.is(budget.code, 2);
  assert.match(budget.stderr, /^train: give --steps N or --epochs N$/m);
});

test('a missing dataset is a one-line error saying how to get it', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'lenet-empty-'));
  mkdirSync(join(empty, 'x'));
  const result = await train(['--steps', '1', '--data-dir', join(empty, 'x')]);
  assert.is(result.code, 2);
  assert.match(result.stderr, /^train: dataset fashion-mnist not found \(.*x lacks train-images-idx3-ubyte\.gz, .*\); install it with `apt-get install dataset-fashion-mnist`/m);
  assert.is(result.stderr.trim().split('\n').length, 1);
});

test.run();
