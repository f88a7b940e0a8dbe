/**
 * npm run train, end to end on generated data: outputs, the --out rules (nothing it did not write
 * is replaced), checkpoints with a real SIGINT and --resume to identical weights, the exit codes,
 * divergence by a loss far above chance, errors that name the file on disk, and no Chromium
 * profile left behind.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDX_FILES } from '../src/data/dataset.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import type { OpenedRun, OpenRun } from '../cli/page/runs.ts';
import { openSession, RUNTIMES } from '../cli/runtime.ts';
import { BrowserSession } from '../cli/session.ts';
import type { EvaluationProgress } from '../src/train/types.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('train command');

interface Outcome { code: number; stdout: string; stderr: string }

/** A temporary folder of our own, also used as the child's TMPDIR to see what it leaves there. */
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** Run `npm run train -- args` with TMPDIR = `temp`; resolves with exit code and output whatever the code. */
function train(args: string[], temp = tmp('lenet-tmp-'), env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile('node', ['--import', 'tsx', 'cli/train.ts', ...args], { timeout: 300_000, env: { ...process.env, TMPDIR: temp, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (error as { code: number }).code : 0, stdout, stderr });
    });
  });
}

function syntheticDir(): string {
  const dir = tmp('lenet-data-');
  const data = syntheticDataset(120, 40, 9);
  for (const [key, file] of Object.entries(IDX_FILES)) writeFileSync(join(dir, file), Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64'));
  return dir;
}

const data = syntheticDir();
const tiny = ['--batch-size', '16', '--validation-size', '20', '--data-dir', data, '--dataset', 'mnist'];
const chromeProfiles = (temp: string) => readdirSync(temp).filter((f) => f.startsWith('lenet-chrome-') || f.startsWith('org.chromium.'));
/** The numbers of a train record, without what differs between two runs of the same thing (times, commands). */
const numbers = (file: string) => {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  return { steps: r.steps, epochs: r.perEpoch.map((e: Record<string, number>) => ({ ...e, trainSeconds: 0, samplesPerSecond: 0 })), final: r.final };
};

test('trains a variant and writes metrics.json and weights.safetensors; says where and the headline numbers; leaves no browser profile', async () => {
  const out = join(tmp('lenet-out-'), 'run');
  const temp = tmp('lenet-tmp-');
  const result = await train(['--variant', 'batchnorm', '--steps', '6', '--seed', '3', ...tiny, '--out', out], temp);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /^train: batchnorm after 6 steps \(0 full epochs\): test accuracy \d+\.\d+%, validation \d+\.\d+%, train loss \d\.\d{4}$/m);
  assert.match(result.stdout, new RegExp(`^train: wrote ${out}/metrics.json and ${out}/weights.safetensors in \\d+ s$`, 'm'));
  // 6 steps end mid-epoch: the final evaluation is announced as its own phase.
  assert.match(result.stdout, /^batchnorm: evaluating validation \(20 images\) and test \(40 images\)…$/m);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.is(metrics.status, 'complete');
  assert.is(metrics.variant, 'batchnorm');
  assert.is(metrics.seed, 3);
  assert.is(metrics.steps, 6);
  assert.is(metrics.parameterCount, 61_990);
  assert.ok(metrics.testAccuracy >= 0 && metrics.testAccuracy <= 1);
  assert.ok(metrics.samplesPerSecond > 0);
  assert.is(metrics.adapter.architecture, 'swiftshader');
  const weights = decodeSafetensors(new Uint8Array(readFileSync(join(out, 'weights.safetensors'))));
  assert.equal(weights.tensors.get('conv3.weight')!.shape, [120, 16, 5, 5]);
  assert.not.ok(existsSync(join(out, 'checkpoint.safetensors')), 'the checkpoint of a finished run is removed');
  assert.equal(chromeProfiles(temp), []);
});

test('--runtime node (Dawn in this process) trains to the browser runtime\'s numbers and weights bit for bit on the same adapter', async () => {
  // Dawn finds Chromium's SwiftShader, the adapter the browser runs on here.
  const swiftshader = { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' };
  const args = ['--variant', 'batchnorm', '--steps', '12', '--seed', '5', ...tiny];
  const [browser, node] = [join(tmp('lenet-out-'), 'run'), join(tmp('lenet-out-'), 'run')];
  assert.is((await train([...args, '--out', browser])).code, 0);
  const result = await train([...args, '--out', node, '--runtime', 'node'], tmp('lenet-tmp-'), swiftshader);
  assert.is(result.code, 0, result.stderr);
  assert.match(JSON.parse(readFileSync(join(node, 'metrics.json'), 'utf8')).browser, /^Node\.js v[\d.]+ \(webgpu package, Dawn\)$/);
  assert.equal(numbers(join(node, 'metrics.json')), numbers(join(browser, 'metrics.json')));
  assert.ok(readFileSync(join(node, 'weights.safetensors')).equals(readFileSync(join(browser, 'weights.safetensors'))), 'identical weights');
  // No adapter for Dawn: what to install or point it at, exit 1.
  const none = await train([...args, '--out', join(tmp('lenet-out-'), 'run'), '--runtime', 'node'], tmp('lenet-tmp-'), { VK_ICD_FILENAMES: '/nonexistent/icd.json' });
  assert.is(none.code, 1);
  assert.match(none.stderr, /^train: WebGPU is unavailable: .*Dawn \(--runtime node\) found no adapter: it needs a Vulkan loader .* VK_ICD_FILENAMES=\/usr\/lib\/chromium\/vk_swiftshader_icd\.json\.$/m);
});

test('--train-limit and --test-limit take the first images, as in the study', async () => {
  const out = join(tmp('lenet-out-'), 'run');
  const result = await train(['--steps', '2', ...tiny.slice(0, 2), '--train-limit', '60', '--test-limit', '10', '--data-dir', data, '--dataset', 'mnist', '--out', out]);
  assert.is(result.code, 0, result.stderr);
  // A fifth of --train-limit is held out for validation unless --validation-size says otherwise.
  assert.equal(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).sizes, { train: 48, validation: 12, test: 10 });
});

test('bad usage is one line ending in "see --help", exit 2; nothing is written', async () => {
  const out = join(tmp('lenet-out-'), 'never');
  const variant = await train(['--variant', 'huge', '--steps', '1', '--out', out]);
  assert.is(variant.code, 2);
  assert.is(variant.stderr, "train: option '--variant <name>' argument 'huge' is invalid. Allowed choices are baseline, dropout, weight-decay, batchnorm. (see --help)\n");
  const unknown = await train(['--stpes', '3', '--out', out]);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /^train: unknown option '--stpes' \(Did you mean --steps\?\) \(see --help\)\n$/);
  const lr = await train(['--lr', '-3', '--steps', '1', '--out', out]);
  assert.match(lr.stderr, /option '--lr <x>' argument '-3' is invalid\. expected a number in \(0, 10\]/);
  const budget = await train(['--out', out]);
  assert.is(budget.code, 2);
  assert.is(budget.stderr, 'train: give --steps N or --epochs N\n');
  const help = await train(['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /--resume/);
  assert.not.ok(existsSync(out));
});

test('a missing dataset is a one-line error saying how to get it, exit 2', async () => {
  const empty = tmp('lenet-empty-');
  mkdirSync(join(empty, 'x'));
  const result = await train(['--steps', '1', '--data-dir', join(empty, 'x')]);
  assert.is(result.code, 2);
  assert.match(result.stderr, /^train: dataset fashion-mnist not found \(.*x lacks train-images-idx3-ubyte\.gz, .*\); install it with `apt-get install dataset-fashion-mnist`/m);
  assert.is(result.stderr.trim().split('\n').length, 1);
});

test('a corrupt dataset file is named as the file on disk (not a URL), exit 2, and no browser profile is left', async () => {
  const bad = tmp('lenet-bad-');
  cpSync(data, bad, { recursive: true });
  writeFileSync(join(bad, IDX_FILES.trainImages), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
  const temp = tmp('lenet-tmp-');
  const result = await train(['--steps', '1', ...tiny.slice(0, 4), '--data-dir', bad, '--dataset', 'mnist', '--out', join(tmp('lenet-out-'), 'run')], temp);
  assert.is(result.code, 2, result.stderr);
  assert.match(result.stderr, new RegExp(`^train: ${join(bad, IDX_FILES.trainImages)}: gzip data is corrupt or truncated$`, 'm'));
  assert.not.match(result.stderr, /http:\/\//);
  assert.equal(chromeProfiles(temp), []);
});

test('--out: a file, a folder of other files, or a previous run is refused before training; --force keeps what train did not write', async () => {
  const parent = tmp('lenet-out-');
  const file = join(parent, 'afile');
  writeFileSync(file, 'mine');
  const onFile = await train(['--steps', '2', ...tiny, '--out', file]);
  assert.is(onFile.code, 2);
  assert.is(onFile.stderr, `train: --out ${file} is a file, not a folder; choose another --out\n`);
  assert.is(readFileSync(file, 'utf8'), 'mine');

  const mine = join(parent, 'mine');
  mkdirSync(mine);
  writeFileSync(join(mine, 'notes.txt'), 'keep');
  writeFileSync(join(mine, 'weights.safetensors'), 'not a model');
  const foreign = await train(['--steps', '2', ...tiny, '--out', mine]);
  assert.is(foreign.code, 2);
  assert.match(foreign.stderr, /is not empty and holds no train run \(notes\.txt, weights\.safetensors\); choose another --out, or pass --force/);
  const forced = await train(['--steps', '2', ...tiny, '--out', mine, '--force']);
  assert.is(forced.code, 2, 'a file of the user with a name train writes is never replaced');
  assert.match(forced.stderr, /weights\.safetensors was not written by train and would be replaced; move it or choose another --out/);
  assert.is(readFileSync(join(mine, 'weights.safetensors'), 'utf8'), 'not a model');

  const run = join(parent, 'run');
  mkdirSync(run);
  writeFileSync(join(run, 'notes.txt'), 'keep');
  assert.is((await train(['--steps', '2', ...tiny, '--out', run, '--force'])).code, 0);
  const again = await train(['--steps', '2', ...tiny, '--out', run]);
  assert.is(again.code, 2);
  assert.match(again.stderr, /already holds a train run \(metrics\.json\); continue it with --resume, choose another --out, or pass --force/);
  const before = readFileSync(join(run, 'metrics.json'), 'utf8');
  assert.is(readFileSync(join(run, 'metrics.json'), 'utf8'), before);
  const replaced = await train(['--steps', '3', ...tiny, '--out', run, '--force']);
  assert.is(replaced.code, 0, replaced.stderr);
  assert.is(JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')).steps, 3);
  assert.is(readFileSync(join(run, 'notes.txt'), 'utf8'), 'keep');
});

test('a loss that stays far above chance (Adam at lr 5) is divergence: exit 3, named with the epoch and step', async () => {
  const out = join(tmp('lenet-out-'), 'run');
  const result = await train(['--steps', '30', '--lr', '5', ...tiny, '--out', out]);
  assert.is(result.code, 3, result.stderr);
  assert.match(result.stderr, /^train: baseline: mean loss \d+(\.\d+)? over the last \d+ steps stayed above 6\.91 .* at epoch \d+, step \d+; training of this variant stopped/m);
  const record = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.is(record.status, 'diverged');
  assert.match(record.error, /stayed above 6\.91/);
});

/** Start a run and send it a real SIGINT once its first epoch is reported; resolves with its outcome. */
function interruptedTrain(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn('node', ['--import', 'tsx', 'cli/train.ts', ...args], { env: { ...process.env, TMPDIR: tmp('lenet-tmp-') } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (!sent && /epoch 1\/\d+: train loss/.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk; });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('Ctrl-C checkpoints at a step boundary (exit 130, one line on how to resume); --resume ends with the weights of an uninterrupted run', async () => {
  const parent = tmp('lenet-resume-');
  const args = ['--variant', 'dropout', '--steps', '40', '--steps-per-submit', '1', ...tiny];
  const full = join(parent, 'full');
  assert.is((await train([...args, '--out', full])).code, 0);

  const cut = join(parent, 'cut');
  const stopped = await interruptedTrain([...args, '--out', cut]);
  assert.is(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, new RegExp(`^train: continue with: npm run train -- --resume --out ${cut}$`, 'm'));
  const record = JSON.parse(readFileSync(join(cut, 'metrics.json'), 'utf8'));
  assert.is(record.status, 'interrupted');
  assert.ok(record.steps > 0 && record.steps < 40, `stopped after ${record.steps} steps`);
  assert.ok(existsSync(join(cut, 'checkpoint.safetensors')));
  assert.not.ok(existsSync(join(cut, 'weights.safetensors')));

  // Resume failures name the real file and what to do (copies of the interrupted run, so it stays intact).
  const mismatch = await train(['--resume', '--lr', '0.01', '--out', cut]);
  assert.is(mismatch.code, 2);
  assert.is(mismatch.stderr, "train: --resume: --lr 0.01 (metrics.json has 0.001); resume with the run's own options, or start a new run in another --out\n");
  const corruptRecord = join(parent, 'corrupt-record');
  cpSync(cut, corruptRecord, { recursive: true });
  writeFileSync(join(corruptRecord, 'metrics.json'), '{"format": "lenet-webgpu-train/1", ');
  const badRecord = await train(['--resume', '--out', corruptRecord]);
  assert.is(badRecord.code, 2);
  assert.match(badRecord.stderr, new RegExp(`^train: ${corruptRecord}/metrics\\.json cannot be read as JSON \\(.*\\); it is the run's record`, 'm'));
  const corruptCheckpoint = join(parent, 'corrupt-checkpoint');
  cpSync(cut, corruptCheckpoint, { recursive: true });
  writeFileSync(join(corruptCheckpoint, 'checkpoint.safetensors'), Buffer.alloc(100));
  const badCheckpoint = await train(['--resume', '--out', corruptCheckpoint]);
  assert.is(badCheckpoint.code, 2, badCheckpoint.stderr);
  assert.match(badCheckpoint.stderr, new RegExp(`^train: ${corruptCheckpoint}/checkpoint\\.safetensors: `, 'm'));

  const resumed = await train(['--resume', '--out', cut]);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.ok(readFileSync(join(cut, 'weights.safetensors')).equals(readFileSync(join(full, 'weights.safetensors'))), 'weights byte-identical');
  assert.equal(numbers(join(cut, 'metrics.json')), numbers(join(full, 'metrics.json')));
  assert.is(JSON.parse(readFileSync(join(cut, 'metrics.json'), 'utf8')).commands.length, 2);
  assert.not.ok(existsSync(join(cut, 'checkpoint.safetensors')));
});

test('a page call that hangs is abandoned after the idle timeout with an error naming the call; no adapter says what to do in the CLI', async () => {
  const session = await BrowserSession.open({ dataDir: data, datasetName: 'mnist', entry: 'tests/support/session-page.ts', idleTimeoutMs: 1500 });
  try {
    const started = Date.now();
    await session.call('hang').then(() => assert.unreachable('hang() resolved'), (error: Error) => {
      assert.match(error.message, /^the page's hang\(\) call gave no sign of progress for [12] s: the browser or its GPU process hung/);
    });
    assert.ok(Date.now() - started < 10_000);
    assert.is(await session.call('answer'), 42, 'the session still serves other calls');
    const noAdapter = await session.call('noAdapter').then(() => null, (error: unknown) => session.explain(error));
    assert.is(noAdapter?.code, 1);
    assert.match(noAdapter!.message, /^WebGPU is unavailable: requestAdapter\(\) returned no adapter\. The headless browser found no WebGPU adapter: pass --browser with a Chrome that has a GPU/);
    assert.not.match(noAdapter!.message, /chrome:\/\/gpu/);
  } finally {
    await session.close();
  }
});

for (const runtime of RUNTIMES) {
  test(`the runner reports an evaluation's progress through the ${runtime} session, split by split`, async () => {
    // Dawn in this process finds Chromium's SwiftShader, the adapter the browser runs on here.
    const icd = process.env.VK_ICD_FILENAMES;
    if (runtime === 'node') process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
    const seen: EvaluationProgress[] = [];
    const navigatorBefore = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    const session = await openSession(runtime, { dataDir: data, datasetName: 'mnist', onEvaluation: (p) => seen.push(p) });
    try {
      const request: OpenRun = {
        dataset: { name: 'mnist', url: session.datasetUrl }, variant: 'baseline', variantOverrides: {},
        options: { seed: 1, batchSize: 16, evalBatchSize: 16, validationSize: 20 },
      };
      const run = await session.call<OpenedRun>('open', request);
      await session.call('trainEpoch', run.id, 2);
      await session.call('evaluate', run.id);
      // Batches of 16: validation's 20 images in 2 command buffers, test's 40 in 3.
      assert.equal(seen.map((p) => `${p.variant} ${p.split} ${p.images}/${p.total}`), [
        'baseline validation 16/20', 'baseline validation 20/20', 'baseline test 16/40', 'baseline test 32/40', 'baseline test 40/40',
      ]);
    } finally {
      await session.close();
      if (icd === undefined) delete process.env.VK_ICD_FILENAMES;
    }
    // A node session puts the page globals it defined back: this process is no browser afterwards.
    assert.equal(Object.getOwnPropertyDescriptor(globalThis, 'navigator'), navigatorBefore);
    assert.is((globalThis as { runner?: unknown }).runner, undefined);
  });
}

test.run();
