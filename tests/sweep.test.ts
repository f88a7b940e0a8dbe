import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { passThrough } from '../cli/sweep.ts';
import type { StudyResults } from '../cli/study-results.ts';
import { IDX_FILES } from '../src/data/dataset.ts';
import { analyzeSweep, parseSweep, type SweepResults } from '../src/study/sweep.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('sweep');
const exec = promisify(execFile);

test('parseSweep reads VARIANT=S1,S2,… and refuses what cannot be swept, naming it', () => {
  assert.equal(parseSweep('dropout=0.5,0.1,0.3'), { variant: 'dropout', strengths: [0.1, 0.3, 0.5] });
  assert.equal(parseSweep('weight-decay=1e-4,1e-2'), { variant: 'weight-decay', strengths: [1e-4, 1e-2] });
  assert.throws(() => parseSweep('batchnorm=0.1,0.2'), /'batchnorm' has no strength to sweep/);
  assert.throws(() => parseSweep('dropout=0.1,1'), /strengths must be numbers in \[0, 1\)/);
  assert.throws(() => parseSweep('dropout=0.1,x'), /strengths must be numbers/);
  assert.throws(() => parseSweep('dropout=0.3'), /at least two strengths/);
  assert.throws(() => parseSweep('dropout=0.3,0.3'), /repeated/);
  assert.throws(() => parseSweep('dropout'), /expected VARIANT=S1,S2/);
});

test('passThrough keeps the study options and drops those the sweep sets per strength', () => {
  assert.equal(passThrough(['--sweep', 'dropout=0.1,0.5', '--epochs', '2', '--out=x', '--dropout', '0.2', '--seeds', '0,1', '--resume']),
    ['--epochs', '2', '--seeds', '0,1']);
});

const run = (strength: number, test: number[], validation: number[] = []) => ({ strength, testAccuracies: test, validationAccuracies: validation, testImages: 10_000 });

test('a sweep chooses on validation and compares with the original strength only when the interval excludes zero', () => {
  const clear = analyzeSweep('dropout', [run(0.1, [0.90, 0.91, 0.905], [0.9, 0.91, 0.9]), run(0.5, [0.85, 0.86, 0.855], [0.85, 0.86, 0.85])]);
  assert.is(clear.chosen, 0.1);
  assert.ok(clear.againstOriginal!.established);
  assert.match(clear.findings[1]!, /established with 3 seeds — the original's strength was too strong/);

  const noisy = analyzeSweep('dropout', [run(0.1, [0.90, 0.80], [0.9, 0.8]), run(0.5, [0.84, 0.85], [0.84, 0.84])]);
  assert.is(noisy.chosen, 0.1);
  assert.not.ok(noisy.againstOriginal!.established);
  assert.match(noisy.findings[1]!, /not established with 2 seeds/);

  // One seed: never established, and the test interval is binomial.
  const single = analyzeSweep('weight-decay', [run(1e-4, [0.9]), run(1e-3, [0.8])]);
  assert.is(single.points[0]!.test.basis, 'binomial');
  assert.not.ok(single.againstOriginal!.established);

  const best = analyzeSweep('weight-decay', [run(1e-4, [0.8]), run(1e-3, [0.9])]);
  assert.match(best.findings[1]!, /also the best/);
  const tie = analyzeSweep('dropout', [run(0.2, [0.8], [0.7]), run(0.5, [0.75], [0.7])]);
  assert.is(tie.chosen, 0.5);
  assert.match(tie.findings[0]!, /p = 0\.2, p = 0\.5 tie on mean validation accuracy/);
  assert.is(tie.againstOriginal, null);
  assert.is(tie.findings.length, 1);
  const without = analyzeSweep('weight-decay', [run(1e-4, [0.8]), run(1e-2, [0.9])]);
  assert.is(without.againstOriginal, null);
  assert.match(without.findings[1]!, /not among the strengths tried/);
});

test('npm run study -- --sweep trains each strength as its own study and reports accuracy against strength', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lenet-data-'));
  const data = syntheticDataset(120, 40, 9);
  for (const [key, file] of Object.entries(IDX_FILES)) writeFileSync(join(dir, file), Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64'));
  const out = mkdtempSync(join(tmpdir(), 'lenet-sweep-'));
  const args = ['--import', 'tsx', 'cli/study.ts', '--data-dir', dir, '--epochs', '1', '--batch-size', '16', '--validation-size', '20',
    '--sweep', 'dropout=0.2,0.5', '--out', out];
  const { stdout } = await exec('node', args, { timeout: 300_000 });
  assert.match(stdout, /wrote .*SWEEP\.md/);
  const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepResults;
  assert.is(sweep.sweeps.length, 1);
  const [dropout] = sweep.sweeps;
  assert.equal(dropout!.points.map((p) => p.strength), [0.2, 0.5]);
  for (const strength of [0.2, 0.5]) {
    // Each strength is a complete study of the dropout variant at that p.
    const study = JSON.parse(readFileSync(join(out, `dropout=${strength}`, 'results.json'), 'utf8')) as StudyResults;
    assert.equal([study.status, study.config.variants, study.config.dropout, study.config.epochs], ['complete', ['dropout'], strength, 1]);
    const point = dropout!.points.find((p) => p.strength === strength)!;
    assert.is(point.test.mean, study.runs[0]!.epochs[0]!.testAccuracy);
  }
  assert.ok(existsSync(join(out, 'sweep-dropout.png')));
  const report = readFileSync(join(out, 'SWEEP.md'), 'utf8');
  for (const finding of dropout!.findings) assert.ok(report.includes(`- ${finding}`), finding);
  // 100 training images: each strength's study warned, and the sweep's report says so first.
  assert.match(sweep.warnings[0]!, /^dropout=0\.2: Tiny budget/);
  assert.ok(report.includes(`> - ${sweep.warnings[0]}`));
  assert.match(report, /\| 0\.5 \| 1 \|/);
  // The same command again refuses instead of overwriting; --resume finds nothing left to train.
  const again = await exec('node', args).then(() => 0, (e: { code: number; stderr: string }) => { assert.match(e.stderr, /--resume/); return e.code; });
  assert.is(again, 2);
});

test.run();
