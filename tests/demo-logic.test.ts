/** The demo page's rules without a browser: settings, the study's turns, conclusions, exports, file matching. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { VariantName } from '../src/model/variants.ts';
import { resolveOptions } from '../src/train/options.ts';
import { Listeners } from '../src/train/events.ts';
import type { EpochMetrics, Progress, TrainerEvents } from '../src/train/types.ts';
import { conclusions, studyCsv, summarize } from '../demo/results.ts';
import { checkSavedRun, checkSavedSettings, describeRun, newRunId, shownRuns, sortRuns, type SavedRun } from '../demo/past-runs.ts';
import { cpuFallback, estimateText, plannedSamples } from '../demo/device.ts';
import { DEFAULT_SETTINGS, QUICK_RUN, maxTrainImages, quickRun, parseSettings, splitSizes, splitText, toRaw, trainerOptions } from '../demo/settings.ts';
import { assignFiles, dataBase } from '../demo/sources.ts';
import { Study, type StudyTrainer, type VariantStatus } from '../demo/study.ts';
import { StepSeries } from '../demo/step-series.ts';
import { checkInterrupted, describeInterrupted, resumeProblem, INTERRUPTED_VERSION } from '../demo/interrupted.ts';

const settings = suite('demo settings');

const MNIST = { train: 60_000, test: 10_000 };

settings('the defaults are the study’s and parse back unchanged', () => {
  const parsed = parseSettings(toRaw(DEFAULT_SETTINGS), MNIST);
  assert.equal(parsed.errors, {});
  assert.equal(parsed.settings, DEFAULT_SETTINGS);
  assert.is(DEFAULT_SETTINGS.epochs, 50);
  assert.is(DEFAULT_SETTINGS.batchSize, 64);
  const options = resolveOptions(trainerOptions(DEFAULT_SETTINGS, 'weight-decay', 60_000));
  assert.is(options.validationSize, 12_000);
  assert.is(options.trainLimit, 0);
  assert.is(splitText(DEFAULT_SETTINGS, MNIST), '48,000 train · 12,000 validation · 10,000 test images');
  assert.is(options.optimizer.kind, 'adam');
  assert.is(options.optimizer.lr, 1e-3);
  assert.is(options.variant.weightDecay, 1e-3);
  assert.is(resolveOptions(trainerOptions(DEFAULT_SETTINGS, 'dropout', 60_000)).variant.dropout, 0.5);
});

settings('a value outside its range is refused with the range, and nothing parses', () => {
  const cases: [string, string, RegExp][] = [
    ['lr', '-1', /Learning rate must be a number in \(0, 1\]/],
    ['lr', 'abc', /Learning rate must be a number in \(0, 1\]/],
    ['epochs', '0', /Epochs must be a whole number in \[1, 500\]/],
    ['epochs', '2.5', /Epochs must be a whole number/],
    ['batchSize', '', /Batch size must be a whole number in \[2, 4,096\]/],
    ['dropout', '1', /Dropout p must be a number in \[0, 0\.95\]/],
    ['validationFraction', '0.9', /Validation split must be a number in \[0, 0\.5\]/],
    ['optimizer', 'rmsprop', /Optimizer must be one of adam, adamw, sgd/],
  ];
  for (const [key, value, message] of cases) {
    const parsed = parseSettings({ ...toRaw(DEFAULT_SETTINGS), [key]: value });
    assert.is(parsed.settings, null, `${key}=${value}`);
    assert.match(parsed.errors[key as keyof typeof parsed.errors] ?? '', message);
  }
  assert.match(parseSettings({ ...toRaw(DEFAULT_SETTINGS), variants: [] }).errors.variants!, /at least one variant/);
});

settings('rules that need the dataset: training images left, batch norm’s last batch', () => {
  const raw = { ...toRaw(DEFAULT_SETTINGS), trainLimit: '129', validationFraction: '0' };
  assert.match(parseSettings(raw, MNIST).errors.batchSize!, /129 training images in batches of 64 leave a last batch of 1/);
  assert.ok(parseSettings({ ...raw, variants: ['baseline'] }, MNIST).settings, 'without batch norm a last batch of 1 is fine');
  assert.ok(parseSettings(raw).settings, 'without a dataset the rule waits');
  const tiny = { train: 30, test: 20 };
  assert.match(parseSettings({ ...raw, trainLimit: '0', validationFraction: '0.5', batchSize: '8' }, tiny).errors.validationFraction!,
    /^Validation split leaves 15 training images, fewer than 20$/);
});

settings('limits come from the loaded dataset: train images leave room for the validation split, batch ≤ train images', () => {
  const raw = toRaw(DEFAULT_SETTINGS);
  // 60,000 images with a 0.2 split: at most 48,000 to train on, 12,000 held out beside them.
  assert.is(maxTrainImages(60_000, 0.2), 48_000);
  assert.is(parseSettings({ ...raw, trainLimit: '48000' }, MNIST).errors.trainLimit, undefined);
  assert.is(parseSettings({ ...raw, trainLimit: '48001' }, MNIST).errors.trainLimit, 'Train images must be 0 (all) or a whole number in [20, 48,000]');
  assert.is(parseSettings({ ...raw, trainLimit: '10000000' }, MNIST).errors.trainLimit, 'Train images must be 0 (all) or a whole number in [20, 48,000]');
  assert.is(parseSettings({ ...raw, trainLimit: '60000', validationFraction: '0' }, MNIST).errors.trainLimit, undefined);
  assert.is(parseSettings({ ...raw, trainLimit: '3' }, MNIST).errors.trainLimit, 'Train images must be 0 (all) or a whole number in [20, 48,000]');
  assert.is(parseSettings({ ...raw, testLimit: '10001' }, MNIST).errors.testLimit, 'Test images must be 0 (all) or a whole number in [10, 10,000]');
  assert.is(parseSettings({ ...raw, testLimit: '5' }).errors.testLimit, 'Test images must be 0 (all) or a whole number in [10, 10,000,000]');
  // The batch cannot be larger than the training images it is drawn from.
  const small = { ...raw, trainLimit: '320' };
  assert.is(parseSettings({ ...small, batchSize: '4096' }, MNIST).errors.batchSize, 'Batch size must be a whole number in [2, 320]');
  assert.is(parseSettings({ ...small, batchSize: '320' }, MNIST).errors.batchSize, undefined);
  assert.is(parseSettings({ ...small, batchSize: '4096' }).errors.batchSize, undefined, 'without a dataset only the engine limit applies');
  // The split a run actually uses: the train images, the validation split on top (its share of both), the test images.
  const parsed = parseSettings({ ...raw, trainLimit: '400', testLimit: '300' }, MNIST).settings!;
  assert.equal(splitSizes(parsed, MNIST.train), { train: 400, validation: 100 });
  assert.is(splitText(parsed, MNIST), '400 train · 100 validation · 300 test images');
  const options = trainerOptions(parsed, 'baseline', MNIST.train);
  assert.equal([options.trainLimit, options.validationSize, options.testLimit], [500, 100, 300]);
  // Every limit the form can accept is one the dataset holds.
  for (const fraction of [0, 0.1, 0.2, 0.25, 0.3, 0.5]) {
    for (const n of [20, 33, 1000, 60_000]) {
      const train = maxTrainImages(n, fraction);
      const sizes = splitSizes({ trainLimit: train, validationFraction: fraction }, n);
      assert.ok(sizes.train + sizes.validation <= n && sizes.train === train, `${n} images, split ${fraction}`);
    }
  }
});

settings('the quick-run preset parses on the real datasets', () => {
  const quick = parseSettings(toRaw(quickRun(DEFAULT_SETTINGS, MNIST)), MNIST).settings!;
  assert.equal(quickRun(DEFAULT_SETTINGS, MNIST), { ...DEFAULT_SETTINGS, ...QUICK_RUN });
  assert.equal([quick.epochs, quick.trainLimit], [3, 5000]);
  assert.is(splitText(quick, MNIST), '5,000 train · 1,250 validation · 2,000 test images');
  const small = quickRun(DEFAULT_SETTINGS, { train: 2000, test: 500 });
  assert.equal([small.epochs, small.trainLimit, small.testLimit], [3, 1600, 500], 'cut to a small dataset');
  assert.ok(parseSettings(toRaw(small), { train: 2000, test: 500 }).settings);
});

settings.run();

const device = suite('demo device notice');

device('a CPU fallback is recognised by the browser’s flag or a software renderer’s name', () => {
  assert.is(cpuFallback({ isFallbackAdapter: true }), 'the browser reports a fallback adapter');
  assert.is(cpuFallback({ vendor: 'google', architecture: 'swiftshader', description: '' }), 'the adapter is swiftshader, a software renderer');
  assert.is(cpuFallback({ description: 'SwiftShader Device (Subzero)' }), 'the adapter is SwiftShader, a software renderer');
  assert.is(cpuFallback({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.7, 256 bits)' }), 'the adapter is llvmpipe, a software renderer');
  assert.is(cpuFallback({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060', isFallbackAdapter: false }), null);
});

device('the estimate uses the measured rate, or says it will be measured', () => {
  const samples = plannedSamples(50, 48_000, 4);
  assert.is(samples, 9_600_000);
  assert.is(estimateText(samples, 160), '9,600,000 training samples: about 16 h 40 min at the 160 samples/s measured on this device.');
  assert.is(estimateText(1200, null), '1,200 training samples; the time is measured from the first steps of the run.');
});

device.run();

/** A trainer that trains instantly: `steps` per turn, an optional divergence at an epoch. */
class FakeTrainer implements StudyTrainer {
  readonly trainSize = 100;
  readonly stepsPerEpoch = 4;
  private step = 0;
  private stopped = false;
  private readonly listeners = new Listeners<TrainerEvents>();

  constructor(readonly name: string, private readonly log: string[], private readonly divergeAtEpoch = 0, private readonly onTurn?: () => void) {}

  on<K extends keyof TrainerEvents>(event: K, listener: TrainerEvents[K]): () => void {
    return this.listeners.on(event, listener);
  }

  async train(budget: { epochs?: number; steps?: number }): Promise<{ steps: number }> {
    this.log.push(this.name);
    this.stopped = false;
    this.onTurn?.();
    let i = 0;
    for (; i < budget.steps! && !this.stopped && this.step < budget.epochs! * this.stepsPerEpoch; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      this.step++;
      const epoch = Math.ceil(this.step / this.stepsPerEpoch);
      if (epoch === this.divergeAtEpoch) throw Object.assign(new Error(`${this.name}: loss became NaN`), { name: 'DivergenceError' });
      const inEpoch = this.step - (epoch - 1) * this.stepsPerEpoch;
      this.listeners.emit('progress', { samples: inEpoch * 25 } as Progress);
      if (inEpoch === this.stepsPerEpoch) {
        this.listeners.emit('evaluation', { variant: this.name, split: 'test', images: 10, total: 10 });
        this.listeners.emit('epoch', { variant: this.name, epoch, trainAccuracy: 0.5, validationAccuracy: 0.4, testAccuracy: 0.4 } as EpochMetrics);
      }
    }
    return { steps: i };
  }

  stop(): void {
    this.stopped = true;
  }

  async exportWeights(): Promise<Uint8Array> {
    return new Uint8Array([this.step]);
  }

  async saveCheckpoint(): Promise<Uint8Array> {
    return new Uint8Array([this.step, 1]);
  }

  /** As Trainer.loadCheckpoint: training continues after the checkpoint's epochs. */
  restore(epochs: number): void {
    this.step = epochs * this.stepsPerEpoch;
  }
}

function fakes(log: string[], diverging: Partial<Record<VariantName, number>> = {}, onTurn?: () => void): Map<VariantName, FakeTrainer> {
  return new Map((['baseline', 'dropout', 'weight-decay', 'batchnorm'] as const).map((n) => [n, new FakeTrainer(n, log, diverging[n] ?? 0, onTurn)]));
}

const study = suite('demo study (fake trainers)');

study('variants take turns, all finish, weights are kept per finished epoch', async () => {
  const log: string[] = [];
  const evaluated: string[] = [];
  // Each fake trainer reports its own name as the variant: the listener must get the run it belongs to.
  const s = new Study(fakes(log), 3, { evaluation: (run, p) => evaluated.push(`${run.name === p.variant} ${p.split} ${p.images}/${p.total}`) });
  assert.is(await s.run(), 'finished');
  assert.equal(evaluated, Array(4 * 3).fill('true test 10/10'), 'each epoch\'s evaluation reaches the listener with its run');
  assert.equal(s.runs.map((r) => [r.status, r.epochs.length]), Array(4).fill(['finished', 3]));
  // Turns rotate: the first four turns are one per variant, in order.
  assert.equal(log.slice(0, 4), ['baseline', 'dropout', 'weight-decay', 'batchnorm']);
  assert.ok(s.runs.every((r) => r.weights?.[0] === 12));
  const stats = s.stats();
  assert.is(stats.done, stats.total);
  assert.is(stats.total, 4 * 3 * 100);
});

study('a diverged variant is marked and leaves the rotation; the others finish', async () => {
  const log: string[] = [];
  const s = new Study(fakes(log, { dropout: 2 }), 3);
  assert.is(await s.run(), 'finished');
  const dropout = s.runs.find((r) => r.name === 'dropout')!;
  assert.is(dropout.status, 'diverged');
  assert.match(dropout.message!, /loss became NaN/);
  assert.is(dropout.epochs.length, 1, 'the epoch before the divergence stays');
  assert.is(dropout.weights?.[0], 4, 'and so do its weights');
  assert.ok(s.runs.filter((r) => r !== dropout).every((r) => r.status === 'finished' && r.epochs.length === 3));
  const lastDropoutTurn = log.lastIndexOf('dropout');
  assert.ok(log.slice(lastDropoutTurn + 1).length > 3, 'the others go on after it');
  // A run that ended early no longer counts its remaining epochs.
  assert.is(s.stats().total, 3 * 3 * 100 + 100);
});

study('pause holds every variant until continue; stop ends with what finished', async () => {
  const log: string[] = [];
  let s: Study;
  let turns = 0;
  s = new Study(fakes(log, {}, () => {
    turns++;
    if (turns === 5) s.pause();
    if (turns === 9) s.stop();
  }), 50);
  const ended = s.run();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(s.paused);
  assert.is(turns, 5, 'no turn while paused');
  assert.ok(s.runs.every((r) => r.status === 'paused'));
  s.continue();
  assert.is(await ended, 'stopped');
  assert.is(turns, 9);
  assert.ok(s.runs.every((r) => r.status === 'stopped'));
});

study('a lost device ends the study; finished epochs and weights stay', async () => {
  const log: string[] = [];
  let s: Study;
  let turns = 0;
  s = new Study(fakes(log, {}, () => {
    if (++turns === 12) s.lose('the GPU device was lost (unknown)');
  }), 50);
  assert.is(await s.run(), 'lost');
  assert.ok(s.runs.every((r) => r.status === 'lost' && r.message === 'the GPU device was lost (unknown)'));
  assert.ok(s.runs.some((r) => r.epochs.length > 0 && r.weights !== null));
});

study('a resumed study continues each variant after its restored epochs; finished ones do not train', async () => {
  const log: string[] = [];
  const trainers = fakes(log);
  const restored = { variant: 'baseline', epoch: 1, trainAccuracy: 0.9 } as EpochMetrics;
  trainers.get('baseline')!.restore(1);
  trainers.get('dropout')!.restore(3);
  const kept = (n: number) => ({ epochs: Array.from({ length: n }, () => restored), weights: new Uint8Array([n]), checkpoint: new Uint8Array([n, 1]) });
  const s = new Study(trainers, 3, {}, new Map([['baseline', kept(1)], ['dropout', kept(3)]]));
  assert.equal(s.runs.map((r) => r.status), ['queued', 'finished', 'queued', 'queued']);
  assert.is(await s.run(), 'finished');
  assert.equal(s.runs.map((r) => r.epochs.length), [3, 3, 3, 3]);
  assert.is(s.runs[0]!.epochs[0], restored, 'the restored epoch stays first');
  assert.not.ok(log.includes('dropout'), 'a variant restored at its last epoch does not train');
  assert.equal([...s.runs[0]!.checkpoint!], [12, 1], 'the checkpoint after the last epoch');
  assert.is(s.stats().done, 1200, 'restored epochs count as done');
});

study('per-step curves: each command buffer\'s own mean recovered from the epoch\'s running means, at fractional epochs', () => {
  // Steps of losses 2, 2, 2, 2 then 1, 1, 1, 1 (running means 2 then 1.5), then a new epoch.
  const series = new StepSeries();
  const p = (epoch: number, step: number, trainLoss: number, trainAccuracy: number) =>
    ({ variant: 'baseline', epoch, step, stepsPerEpoch: 8, globalStep: (epoch - 1) * 8 + step, samples: step * 64, trainLoss, trainAccuracy, samplesPerSecond: 1 }) satisfies Progress;
  assert.equal(series.add(p(1, 4, 2, 0.25)), { x: 0.5, loss: 2, accuracy: 0.25 });
  assert.equal(series.add(p(1, 8, 1.5, 0.5)), { x: 1, loss: 1, accuracy: 0.75 });
  assert.is(series.add(p(1, 8, 1.5, 0.5)), null, 'no new step, no point');
  assert.equal(series.add(p(2, 2, 0.5, 1)), { x: 1.25, loss: 0.5, accuracy: 1 });
});

study.run();

const results = suite('demo results');

/** A run of one epoch per accuracy pair, as the page's study holds it. */
const run = (name: VariantName, train: number, test: number, status: VariantStatus = 'finished') => ({
  name, status, message: null, epochs: [{ variant: name, epoch: 1, steps: 10, trainLoss: 1, trainAccuracy: train, validationLoss: null,
    validationAccuracy: null, testLoss: 1, testAccuracy: test, trainSeconds: 1, samplesPerSecond: 100 }] as EpochMetrics[],
});
const FULL = { train: 48_000, validation: 12_000, test: 10_000 };

results('conclusions come from the shared claims module: one seed establishes nothing, and says so', () => {
  const runs = [run('baseline', 0.9498, 0.891), run('dropout', 0.8926, 0.8539), run('weight-decay', 0.9149, 0.8902), run('batchnorm', 0.9758, 0.896)];
  const { lines, verdicts } = conclusions(runs, FULL, false);
  const text = lines.join('\n');
  assert.match(text, /One seed: the intervals are only the binomial error/);
  assert.match(text, /Batch norm has the highest mean test accuracy \(89\.60%\), but its difference from .* is not established with 1 seed/);
  assert.match(text, /Train − test gap: Batch norm \+7\.98 pp, Baseline \+5\.88 pp, Dropout \+3\.87 pp, Weight decay \+2\.47 pp — the largest is Batch norm's\./);
  assert.is(verdicts.length, 4);
  assert.ok(verdicts.every((v) => v.verdict === 'not established'));
  const tiny = conclusions([run('baseline', 0.5, 0.5), run('dropout', 0.5, 0.52)], { train: 300, validation: 0, test: 100 }, false);
  assert.match(tiny.lines.join('\n'), /Tiny budget: 300 training and 100 test images/);
  const diverged = conclusions([run('baseline', 0.9, 0.88), run('dropout', 0.3, 0.3, 'diverged')], FULL, false);
  assert.match(diverged.lines[0]!, /^Not finished: Dropout \(diverged, 1 epoch\)/);
  assert.match(diverged.lines.join('\n'), /Dropout \(seed 0\) diverged/);
});

results('summary and CSV use each variant’s last finished epoch', () => {
  const epoch = (variant: string, n: number, acc: number) => ({ variant, epoch: n, steps: n * 10, trainLoss: 1, trainAccuracy: acc, validationLoss: null,
    validationAccuracy: null, testLoss: 1, testAccuracy: acc, trainSeconds: 1, samplesPerSecond: 100 }) as EpochMetrics;
  const runs = [
    { name: 'baseline' as const, status: 'finished' as const, epochs: [epoch('baseline', 1, 0.5), epoch('baseline', 2, 0.6)] },
    { name: 'dropout' as const, status: 'stopped' as const, epochs: [] },
  ];
  const [baseline, dropout] = summarize(runs);
  assert.is(baseline!.testAccuracy, 0.6);
  assert.is(baseline!.validationAccuracy, null);
  assert.is(dropout!.testAccuracy, null);
  const csv = studyCsv(runs).trim().split('\n');
  assert.is(csv.length, 3);
  assert.is(csv[0], 'variant,epoch,steps,train_loss,train_accuracy,validation_loss,validation_accuracy,test_loss,test_accuracy,train_seconds,samples_per_second');
  assert.is(csv[2], 'baseline,2,20,1,0.6,,,1,0.6,1,100');
});

results.run();

const past = suite('demo past runs');

function savedRun(savedAt: string): SavedRun {
  const epochs = [run('baseline', 0.9, 0.85).epochs[0]!, { ...run('baseline', 0.95, 0.875).epochs[0]!, epoch: 2 }];
  const runs = [{ name: 'baseline' as const, status: 'finished' as const, message: null, epochs }, { ...run('batchnorm', 0.5, 0.5, 'stopped'), epochs: [] }];
  const finals = summarize(runs);
  return {
    version: 1, id: newRunId(new Date(savedAt), () => 0.5), savedAt, end: 'stopped',
    record: { dataset: { name: 'mnist', source: 'this site', trainImages: 400, validationImages: 100, testImages: 300 }, quirks: false, settings: DEFAULT_SETTINGS, adapter: {},
      variants: runs.map((r, i) => ({ name: r.name, status: r.status, message: r.message, epochs: r.epochs, final: finals[i]! })) },
    weights: { baseline: new Uint8Array([1, 2, 3]) },
  };
}

past('a stored run is read back only if this page wrote it; described, newest first, shown with its weights', () => {
  const a = savedRun('2026-12-02T10:31:00.000Z');
  const b = savedRun('2026-12-02T11:00:00.000Z');
  assert.is(a.id, '2026-12-02T10:31:00.000Z-80000000');
  assert.is(checkSavedRun(structuredClone(a))?.id, a.id, 'survives structured clone, as IndexedDB stores it');
  assert.is(checkSavedRun({ ...a, version: 0 }), null);
  assert.is(checkSavedRun({ ...a, weights: { baseline: [1, 2, 3] } }), null, 'weights must be bytes');
  assert.is(checkSavedRun({ ...a, record: { ...a.record, variants: [{ name: 'baseline' }] } }), null);
  assert.is(checkSavedRun('run'), null);
  assert.equal(sortRuns([a, b]).map((r) => r.savedAt), [b.savedAt, a.savedAt]);
  assert.equal(describeRun(a), {
    title: '2026-12-02 10:31 UTC · mnist · 2 epochs · 400 train / 100 validation / 300 test · stopped',
    detail: 'Baseline 87.50% · Batch norm –',
  });
  const shown = shownRuns(a);
  assert.equal(shown.map((r) => [r.name, r.status, r.epochs.length, r.weights?.length ?? null]), [['baseline', 'finished', 2, 3], ['batchnorm', 'stopped', 0, null]]);
  assert.is(summarize(shown)[0]!.testAccuracy, 0.875);
});

past('stored settings come back only when they still parse', () => {
  assert.equal(checkSavedSettings(structuredClone({ ...DEFAULT_SETTINGS, epochs: 3 })), { ...DEFAULT_SETTINGS, epochs: 3 });
  assert.is(checkSavedSettings({ ...DEFAULT_SETTINGS, epochs: 0 }), null);
  assert.is(checkSavedSettings(null), null);
});

past('an interrupted run is checked before use, and resumes only on the data it trained on', () => {
  const dataset = { name: 'mnist', source: 'this site', trainCount: 60_000, testCount: 10_000 };
  const kept = { epochs: [{ epoch: 1 }], weights: new Uint8Array([1]), checkpoint: new Uint8Array([2]) };
  const stored = { version: INTERRUPTED_VERSION, startedAt: '2026-12-02T10:00:00.000Z', settings: { ...DEFAULT_SETTINGS, variants: ['baseline', 'dropout'], epochs: 5 }, dataset, variants: { baseline: kept } };
  const run = checkInterrupted(stored)!;
  assert.ok(run);
  assert.is(describeInterrupted(run), 'A run started 2026-12-02 10:00 UTC on mnist stopped before it ended: 1 of 10 variant-epochs are kept.');
  assert.is(resumeProblem(run, dataset), null);
  assert.match(resumeProblem(run, { ...dataset, name: 'fashion-mnist' })!, /^it trained on mnist from this site \(60,000 \+ 10,000 images\); load that dataset to resume it$/);
  assert.match(resumeProblem(run, null)!, /^load mnist \(this site\) first$/);
  // A variant the settings do not train, a checkpoint that is not bytes, an older version: not trusted.
  assert.is(checkInterrupted({ ...stored, variants: { batchnorm: kept } }), null);
  assert.is(checkInterrupted({ ...stored, variants: { baseline: { ...kept, checkpoint: [2] } } }), null);
  assert.is(checkInterrupted({ ...stored, version: 0 }), null);
});

past.run();

const sources = suite('demo data sources');

sources('picked files are matched by name, gz or raw; a missing or doubled one is refused', () => {
  const file = (name: string) => new File([new Uint8Array(1)], name);
  const names = ['t10k-labels-idx1-ubyte', 'train-images-idx3-ubyte.gz', 'train-labels.idx1-ubyte', 'test-images-idx3-ubyte'];
  const assigned = assignFiles(names.map(file));
  assert.equal(Object.fromEntries(Object.entries(assigned).map(([k, f]) => [k, f.name])), {
    trainImages: 'train-images-idx3-ubyte.gz', trainLabels: 'train-labels.idx1-ubyte', testImages: 'test-images-idx3-ubyte', testLabels: 't10k-labels-idx1-ubyte',
  });
  assert.throws(() => assignFiles(names.slice(1).map(file)), /missing t10k-labels-idx1-ubyte/);
  assert.throws(() => assignFiles([...names, 'train-images-idx3-ubyte'].map(file)), /both look like train-images-idx3-ubyte\.gz/);
});

sources('the data folder is data/ beside the page unless ?data= says otherwise', () => {
  assert.is(dataBase('http://127.0.0.1:8080/').href, 'http://127.0.0.1:8080/data/');
  assert.is(dataBase('https://me.github.io/lenet/index.html').href, 'https://me.github.io/lenet/data/');
  assert.is(dataBase('https://me.github.io/lenet/?data=https://cdn.example.org/sets/').href, 'https://cdn.example.org/sets/');
  assert.is(dataBase('https://me.github.io/lenet/?data=../datasets/').href, 'https://me.github.io/datasets/');
});

sources.run();
