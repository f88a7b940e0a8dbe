import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { CURVES_SIZE, SUMMARY_SIZE } from '../cli/page/figures.ts';
import { ORIGINAL } from '../cli/report/original.ts';
import type { StudyResults } from '../cli/study-results.ts';
import { IDX_FILES } from '../src/data/dataset.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('study command');
const exec = promisify(execFile);
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** Run `npm run study -- args`; resolves with exit code and output whatever the code. */
async function study(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // For --runtime node: Dawn finds Chromium's SwiftShader, the adapter the browser runs on here.
    const env = { ...process.env, VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' };
    const { stdout, stderr } = await exec('node', ['--import', 'tsx', 'cli/study.ts', ...args], { timeout: 300_000, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function syntheticDir(): string {
  const dir = tmp('lenet-data-');
  const data = syntheticDataset(120, 40, 9);
  for (const [key, file] of Object.entries(IDX_FILES)) writeFileSync(join(dir, file), Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64'));
  return dir;
}

const data = syntheticDir();
// Synthetic images under the default dataset's name, so the report compares with the original study.
const SMALL = ['--data-dir', data, '--epochs', '2', '--batch-size', '16', '--validation-size', '20', '--seeds', '0,1'];
const readJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as StudyResults;

/** Width and height of a PNG, after checking its signature and that its image data inflates to exactly that size. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  assert.equal([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file}: PNG signature`);
  assert.is(bytes.toString('latin1', 12, 16), 'IHDR');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const [depth, colorType] = [bytes[24], bytes[25]];
  assert.equal([depth, colorType], [8, 6], 'RGBA, 8 bits per channel');
  const idat: Buffer[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    if (bytes.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  assert.is(inflateSync(Buffer.concat(idat)).length, height * (1 + 4 * width), 'one filter byte and 4 bytes per pixel on each row');
  return { width, height };
}

/** Mean ± sample std of the final epoch's values, formatted as the report must show them. */
function expected(values: number[]): string {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
  return `${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)}`;
}

/** Every epoch's metrics without the timings, which differ between any two runs. */
const numbers = (r: StudyResults) => r.runs.map((run) => ({
  variant: run.variant, seed: run.seed, status: run.status,
  epochs: run.epochs.map(({ trainSeconds: _t, samplesPerSecond: _s, ...m }) => m),
}));

const full = tmp('lenet-study-');

test('runs every variant and seed and writes results, CSV, weights, figures and a report that agree', async () => {
  const result = await study([...SMALL, '--out', full]);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /study: done in \d+ s/);
  const r = readJson(full);
  assert.is(r.status, 'complete');
  assert.is(r.runs.length, 8);
  assert.equal(r.sizes, { train: 100, validation: 20, test: 40 });
  assert.is(r.adapter!.adapter.architecture, 'swiftshader');
  assert.ok(r.wallSeconds > 0);
  assert.is(r.versions.node, process.version);
  assert.not.ok(existsSync(join(full, 'checkpoints')), 'checkpoints are removed once the study is complete');
  for (const run of r.runs) {
    assert.is(run.status, 'complete');
    assert.equal(run.epochs.map((e) => e.epoch), [1, 2]);
    const weights = decodeSafetensors(new Uint8Array(readFileSync(join(full, run.weights!))));
    assert.is(weights.metadata.variant, run.variant);
    assert.is(weights.tensors.has('bn1.running_mean'), run.variant === 'batchnorm');
  }

  const [header, ...rows] = readFileSync(join(full, 'results.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  assert.is(rows.length, 16);
  const epochs = r.runs.flatMap((run) => run.epochs.map((e) => ({ ...e, seed: run.seed, status: run.status })));
  rows.forEach((row, i) => header!.forEach((column, j) => assert.is(row[j], String(epochs[i]![column as keyof (typeof epochs)[number]]), column)));

  for (const v of r.config.variants) assert.equal(pngSize(join(full, `curves-${v}.png`)), CURVES_SIZE);
  assert.equal(pngSize(join(full, 'summary.png')), SUMMARY_SIZE);

  const report = readFileSync(join(full, 'REPORT.md'), 'utf8');
  for (const image of report.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) assert.ok(existsSync(join(full, image[1]!)), image[1]);
  for (const v of r.config.variants) {
    const last = r.runs.filter((run) => run.variant === v).map((run) => run.epochs.at(-1)!);
    const row = new RegExp(`^\\| ${v} \\| (.+?) \\| (.+?) \\| (.+?) \\| (.+?) \\| 2 seeds \\|$`, 'm').exec(report);
    assert.ok(row, `a row for ${v}`);
    const ci = r.statistics![v]!.testAccuracy!.ci95!;
    assert.equal(row!.slice(1), [
      expected(last.map((e) => e.trainAccuracy)), expected(last.map((e) => e.validationAccuracy!)),
      `${expected(last.map((e) => e.testAccuracy))} [${(100 * ci[0]).toFixed(2)}, ${(100 * ci[1]).toFixed(2)}]`,
      expected(last.map((e) => e.trainAccuracy - e.testAccuracy)),
    ]);
    // The interval is the t interval of the two seeds' final test accuracies, or, when the two
    // agree exactly (40 test images make that likely), the binomial interval of that accuracy.
    const t = r.statistics![v]!.testAccuracy!;
    const seedsAgree = last[0]!.testAccuracy === last[1]!.testAccuracy;
    assert.equal([t.n, t.basis], [2, seedsAgree ? 'binomial' : 'seeds']);
    assert.ok(ci[0] <= t.mean && t.mean <= ci[1]);
    assert.is((100 * r.summary![v]!.testAccuracy.mean).toFixed(2), row![3]!.split(' ')[0]);
    const o = ORIGINAL.accuracy[v]!;
    const mean = (k: 'trainAccuracy' | 'testAccuracy') => (100 * r.summary![v]![k].mean).toFixed(2);
    assert.ok(report.includes(`| ${v} | ${o.train.toFixed(2)} | ${o.test.toFixed(2)} | ${mean('trainAccuracy')} | ${mean('testAccuracy')} |`), `comparison row for ${v}`);
  }
  // 100 training and 40 test images: the report says so first, and states the analysis results.json holds.
  assert.match(r.warnings![0]!, /^Tiny budget: 100 training and 40 test images/);
  assert.ok(report.includes(`> - ${r.warnings![0]!}`), 'warnings at the top');
  // Every pair of the variants that learned (test accuracy at least twice chance) is compared.
  const learned = Object.values(r.statistics!).filter((v) => v.testAccuracy!.mean >= 0.2).length;
  assert.is(r.comparisons!.filter((c) => c.metric === 'testAccuracy').length, learned * (learned - 1) / 2);
  for (const claim of r.claims!) assert.ok(report.includes(`- ${claim}`), claim);
  assert.is(r.verdicts!.length, 4);
  for (const v of r.verdicts!) assert.ok(report.includes(`| ${v.claim} | **${v.verdict}** |`), v.claim);
  assert.not.match(report, /the same ranking|\(the same\)/);
});

test('an interrupted study resumes, here on --runtime node (Dawn in Node), to the numbers and weights of an uninterrupted browser one', async () => {
  const out = tmp('lenet-study-');
  // Stops after baseline seed 0's two epochs and seed 1's first: epoch 1 of 2 of a run in progress.
  const stopped = await study([...SMALL, '--out', out, '--stop-after', '3']);
  assert.is(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /stopped after 3 epochs/);
  const partial = readJson(out);
  assert.is(partial.status, 'running');
  assert.equal(partial.runs.slice(0, 3).map((run) => [run.status, run.epochs.length]), [['complete', 2], ['running', 1], ['pending', 0]]);
  assert.ok(existsSync(join(out, 'checkpoints', 'baseline-seed1.safetensors')));
  assert.not.ok(existsSync(join(out, 'REPORT.md')));

  const conflict = await study(['--resume', '--out', out, '--epochs', '3']);
  assert.is(conflict.code, 2);
  assert.match(conflict.stderr, /^study: --resume: --epochs 3 \(results\.json has 2\)/m);

  // Same adapter, bit-identical kernels: the runtime is not part of a run's identity.
  const resumed = await study(['--resume', '--out', out, '--runtime', 'node']);
  assert.is(resumed.code, 0, resumed.stderr);
  const r = readJson(out);
  assert.match(r.adapter!.userAgent, /^Node\.js v[\d.]+ \(webgpu package, Dawn\)$/);
  assert.equal(numbers(r), numbers(readJson(full)));
  // The figures are still drawn by Chart.js in a headless Chromium.
  for (const v of r.config.variants) assert.equal(pngSize(join(out, `curves-${v}.png`)), CURVES_SIZE);
  for (const run of r.runs) assert.ok(readFileSync(join(out, run.weights!)).equals(readFileSync(join(full, run.weights!))), run.weights!);
  assert.is(r.commands.length, 2);
});

test('a diverged variant is recorded and reported, the others finish, and the exit code says so', async () => {
  const out = tmp('lenet-study-');
  // Coupled L2 with λ·lr = 2 flips the weights' sign every plain SGD step and adds the gradient: the loss
  // climbs far above chance (or overflows) within an epoch, while the baseline at lr 0.2 trains normally.
  const result = await study(['--data-dir', data, '--epochs', '2', '--batch-size', '4', '--validation-size', '20', '--variants', 'baseline,weight-decay',
    '--optimizer', 'sgd', '--lr', '0.2', '--momentum', '0', '--weight-decay', '10', '--out', out]);
  assert.is(result.code, 3);
  // The progress bar's last state is on stderr too; the error is the one line after it.
  assert.match(result.stderr, /\nstudy: weight-decay \(seed 0\) diverged; the other variants finished — see .*REPORT\.md\n$/);
  const r = readJson(out);
  assert.is(r.status, 'diverged');
  assert.equal(r.runs.map((run) => run.status), ['complete', 'diverged']);
  assert.match(r.runs[1]!.error!, /(loss became NaN\/Inf|stayed above 6\.91 .*) at epoch \d+, step \d+/);
  assert.ok(existsSync(join(out, 'baseline-seed0.safetensors')));
  assert.match(readFileSync(join(out, 'REPORT.md'), 'utf8'), /\| weight-decay \| — \| — \| — \| — \| seed 0 diverged \|/);
});

test('bad options are one line and exit 2; a missing dataset is one line; a corrupt results.json is named', async () => {
  const variants = await study(['--variants', 'baseline,huge']);
  assert.is(variants.code, 2);
  assert.match(variants.stderr, /^study: option '--variants <list>' argument 'baseline,huge' is invalid\. 'huge' is not one of baseline, dropout, weight-decay, batchnorm \(see --help\)\n$/);
  const optimizer = await study(['--optimizer', 'rmsprop']);
  assert.match(optimizer.stderr, /option '--optimizer <kind>' argument 'rmsprop' is invalid\. Allowed choices are adam, adamw, sgd/);
  const seeds = await study(['--seeds', '1,x']);
  assert.match(seeds.stderr, /option '--seeds <list>' argument '1,x' is invalid\. expected an integer in \[0, 4294967295\]/);

  const empty = tmp('lenet-empty-');
  mkdirSync(join(empty, 'x'));
  const missing = await study(['--data-dir', join(empty, 'x'), '--out', join(empty, 'out')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /^study: dataset fashion-mnist not found \(.*x lacks train-images-idx3-ubyte\.gz/);
  assert.is(missing.stderr.trim().split('\n').length, 1);
  assert.not.ok(existsSync(join(empty, 'out')));
  const nothing = await study(['--resume', '--out', join(empty, 'none')]);
  assert.is(nothing.code, 2);
  assert.match(nothing.stderr, /^study: --resume: .*none holds no results\.json to continue/m);

  const corrupt = tmp('lenet-corrupt-');
  writeFileSync(join(corrupt, 'results.json'), '{"format": "lenet-webgpu-study/1", "runs": ');
  const truncated = await study(['--resume', '--data-dir', data, '--out', corrupt]);
  assert.is(truncated.code, 2);
  assert.match(truncated.stderr, new RegExp(`^study: ${corrupt}/results\\.json cannot be read as JSON \\(.*\\); it is the study's record`, 'm'));
  writeFileSync(join(corrupt, 'results.json'), '{"format": "lenet-webgpu-study/1"}');
  const hollow = await study(['--resume', '--data-dir', data, '--out', corrupt]);
  assert.match(hollow.stderr, new RegExp(`^study: ${corrupt}/results\\.json: config, runs, commands missing or malformed`, 'm'));
});

test("--out: the user's REPORT.md and checkpoints/ are never replaced or removed; a finished study needs --resume or --force", async () => {
  const user = tmp('lenet-userdir-');
  writeFileSync(join(user, 'REPORT.md'), 'my report');
  mkdirSync(join(user, 'checkpoints'));
  writeFileSync(join(user, 'checkpoints', 'important.ckpt'), 'my checkpoint');
  const args = ['--data-dir', data, '--variants', 'baseline', '--epochs', '1', '--batch-size', '16', '--validation-size', '20'];
  const refused = await study([...args, '--out', user]);
  assert.is(refused.code, 2);
  assert.match(refused.stderr, /is not empty and holds no study run \(REPORT\.md, checkpoints\/important\.ckpt\); choose another --out, or pass --force/);
  const forced = await study([...args, '--out', user, '--force']);
  assert.is(forced.code, 2);
  assert.match(forced.stderr, /REPORT\.md was not written by study and would be replaced; move it or choose another --out/);
  assert.is(readFileSync(join(user, 'REPORT.md'), 'utf8'), 'my report');

  // Without the colliding REPORT.md, --force writes beside the user's files, and the study's own
  // checkpoints/ files come and go without touching important.ckpt.
  const mine = tmp('lenet-userdir-');
  mkdirSync(join(mine, 'checkpoints'));
  writeFileSync(join(mine, 'checkpoints', 'important.ckpt'), 'my checkpoint');
  const beside = await study([...args, '--out', mine, '--force']);
  assert.is(beside.code, 0, beside.stderr);
  assert.is(readFileSync(join(mine, 'checkpoints', 'important.ckpt'), 'utf8'), 'my checkpoint');
  assert.ok(existsSync(join(mine, 'REPORT.md')));
  assert.not.ok(existsSync(join(mine, 'checkpoints', 'baseline-seed0.safetensors')));

  const before = readFileSync(join(full, 'results.json'), 'utf8');
  const again = await study([...SMALL, '--out', full]);
  assert.is(again.code, 2);
  assert.match(again.stderr, /already holds a study run \(results\.json\); continue it with --resume, choose another --out, or pass --force to replace its outputs/);
  assert.is(readFileSync(join(full, 'results.json'), 'utf8'), before);
});

test.run();
