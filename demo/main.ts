/**
 * The demo page: the four-variant regularization study, live, on the user's GPU. This module
 * wires the sections together and owns the run's life: a training worker (./trainers.ts) holding
 * the device, the dataset and every variant's Trainer, and the Study that gives the trainers turns.
 * The page itself only checks what the GPU offers (then lets that device go) and draws.
 */
import { acquireDevice, type AdapterDescription } from '../src/gpu/device.ts';
import type { DeviceLostInfo } from '../src/gpu/gpu.ts';
import type { VariantName } from '../src/model/variants.ts';
import type { TrainingWorker } from '../src/worker/client.ts';
import { RunComparisonChart } from './charts.ts';
import { DataPanel } from './data-panel.ts';
import { InsideView } from './inside-view.ts';
import { INTERRUPTED_VERSION, resumeProblem, type InterruptedRun } from './interrupted.ts';
import { cpuFallback, estimateText, plannedSamples } from './device.ts';
import { byId, nextTask } from './dom.ts';
import { count, duration } from './format.ts';
import { newRunId, shownRuns, type SavedRun } from './past-runs.ts';
import { PastRunsView } from './past-runs-view.ts';
import { PredictionsView } from './predictions-view.ts';
import { studyRecord, summarize, type StudyRecord } from './results.ts';
import { ResultsView } from './results-view.ts';
import { ResumeView } from './resume-view.ts';
import { SettingsForm } from './settings-form.ts';
import { DEFAULT_SETTINGS, parseSettings, splitSizes, testSize, type DatasetSize } from './settings.ts';
import { Store } from './store.ts';
import { Study, type StudyEnd } from './study.ts';
import { DrawView } from './draw-predictions.ts';
import { disposeTrainers, startTrainers } from './trainers.ts';
import { TrainingView } from './training-view.ts';
import { importModel } from './weights-import.ts';

const runButton = byId<HTMLButtonElement>('run');
const pauseButton = byId<HTMLButtonElement>('pause');
const stopButton = byId<HTMLButtonElement>('stop');
const runState = byId('run-state');
const runMessage = byId('run-message');
const gpuNotice = byId('gpu');
const fallbackNotice = byId('fallback');
const estimate = byId('estimate');

/** What the adapter is, once WebGPU answered (the device that training uses lives in the worker). */
let gpu: { adapter: AdapterDescription; features: readonly string[] } | null = null;
let gpuProblem: string | null = 'Checking WebGPU…';
/** Training samples per second measured on this device by the last run (all variants together). */
let measuredRate: number | null = null;
let trainers = new Map<VariantName, TrainingWorker>();
let study: Study | null = null;
/** A model loaded from a .safetensors file, in a worker of its own (see weights-import.ts). */
let imported: TrainingWorker | null = null;
/** From Run until the study ends (trainers are built before the study exists). */
let busy = false;

const training = new TrainingView();
const results = new ResultsView();
const predictions = new PredictionsView();
const inside = new InsideView();
const draw = new DrawView();
const store = new Store();
const settingsForm = new SettingsForm(byId<HTMLFormElement>('settings'), () => {
  refresh();
  const typed = parseSettings(settingsForm.raw()).settings;
  if (typed) void store.saveSettings(typed);
});
const comparison = new RunComparisonChart(byId<HTMLCanvasElement>('past-compare-chart'));
const pastRuns = new PastRunsView({ show: showPastRun, delete: deletePastRun, compare: compareRuns });
let saved: SavedRun[] = [];
let storageWorks = true;
const data = new DataPanel(() => refresh());
const resumeView = new ResumeView({
  resume: (r) => {
    const problem = resumeProblem(r, loadedFacts());
    if (problem) say(`Cannot resume: ${problem}.`);
    else void run(r);
  },
  discard: () => void store.saveInterrupted(null).then(() => resumeView.show(null)),
});

/** The loaded dataset as an interrupted run records it. */
function loadedFacts(): InterruptedRun['dataset'] | null {
  const l = data.loaded;
  return l ? { name: l.dataset.name, source: l.source, trainCount: l.dataset.train.count, testCount: l.dataset.test.count } : null;
}

function say(message: string | null): void {
  runMessage.hidden = !message;
  runMessage.textContent = message ?? '';
}

/** Run is possible only with a GPU, a dataset and valid settings; everything else waits. */
function datasetSize(): DatasetSize | undefined {
  const d = data.loaded?.dataset;
  return d ? { train: d.train.count, test: d.test.count } : undefined;
}

function refresh(): void {
  const parsed = settingsForm.check(datasetSize());
  runButton.disabled = busy || gpuProblem !== null || !data.loaded || !parsed.settings;
  runButton.title = gpuProblem ?? (!data.loaded ? 'load a dataset first' : !parsed.settings ? 'fix the settings marked in red' : '');
  resumeView.disabled = busy || gpuProblem !== null || !data.loaded;
  const size = datasetSize();
  if (!busy) {
    estimate.textContent = parsed.settings && size
      ? `This run: ${estimateText(plannedSamples(parsed.settings.epochs, splitSizes(parsed.settings, size.train).train, parsed.settings.variants.length), measuredRate)}`
      : '';
  }
}

/** A software adapter trains some hundred times slower than a GPU: say so before Run, with the way out. */
async function checkFallback(g: { adapter: AdapterDescription }): Promise<void> {
  let flag: boolean | undefined;
  try {
    const adapter = await navigator.gpu.requestAdapter();
    const info = adapter?.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
    flag = info?.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean } | null)?.isFallbackAdapter;
  } catch {
    // The description below still tells most fallbacks apart.
  }
  const reason = cpuFallback({ ...g.adapter, isFallbackAdapter: flag });
  fallbackNotice.hidden = reason === null;
  fallbackNotice.textContent = reason === null ? '' : `CPU fallback: ${reason}, so training runs on the processor, some hundred times ` +
    'slower than on a GPU. The original study’s 50 epochs would take many hours here: use the Quick run preset, or a few hundred images.';
}

async function startGpu(): Promise<void> {
  let limits: GPUSupportedLimits;
  try {
    // The same request as the training worker's, for its errors and limits; then let the device go.
    const acquired = await acquireDevice();
    gpu = { adapter: acquired.adapter, features: acquired.features };
    limits = acquired.device.limits;
    acquired.device.destroy();
  } catch (error) {
    const e = error as Error;
    gpuProblem = e.name === 'WebGPUUnavailableError' ? e.message : `WebGPU could not start: ${e.name}: ${e.message}`;
    gpuNotice.className = 'notice error';
    gpuNotice.textContent = `${gpuProblem} You can still load and look at a dataset; training needs WebGPU.`;
    refresh();
    return;
  }
  gpuProblem = null;
  const a = gpu.adapter;
  const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' · ') || 'unnamed adapter';
  gpuNotice.className = 'notice';
  gpuNotice.textContent = `GPU: ${name}. Limits: storage binding ${count(limits.maxStorageBufferBindingSize / 2 ** 20)} MiB, ` +
    `buffer ${count(limits.maxBufferSize / 2 ** 20)} MiB, ${limits.maxComputeInvocationsPerWorkgroup} invocations and ` +
    `${count(limits.maxComputeWorkgroupStorageSize / 1024)} KiB shared memory per workgroup` +
    `${gpu.features.length ? `; features: ${gpu.features.join(', ')}` : ''}.`;
  await checkFallback(gpu);
  refresh();
}

function deviceLost(info: DeviceLostInfo): void {
  gpuProblem = `The GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''}). Reload the page to train again.`;
  gpuNotice.className = 'notice error';
  gpuNotice.textContent = gpuProblem;
  study?.lose(gpuProblem);
  predictions.unavailable('Predictions need the GPU, which was lost; the results above and their exports remain.');
  draw.unavailable('Predictions need the GPU, which was lost.');
  refresh();
}

function setBusy(value: boolean): void {
  busy = value;
  settingsForm.disabled = value;
  data.disabled = value;
  pauseButton.disabled = stopButton.disabled = !study;
  pauseButton.textContent = 'Pause';
  refresh();
}

/** Run the study set in the form, or continue `resume` (an interrupted run, with its own settings). */
async function run(resume?: InterruptedRun): Promise<void> {
  if (resume) settingsForm.set(resume.settings);
  const parsed = settingsForm.check(datasetSize());
  if (!gpu || gpuProblem || !data.loaded || !parsed.settings || busy) return;
  const settings = parsed.settings;
  const loaded = data.loaded;
  say(null);
  resumeView.show(null);
  resumeView.clearKeptLine();
  predictions.hide();
  inside.hide();
  draw.hide();
  results.hide();
  pastRuns.select(null);
  setBusy(true);
  await imported?.dispose();
  imported = null;
  const sizes = splitSizes(settings, loaded.dataset.train.count);
  await training.reset(settings.variants, settings.epochs, sizes.validation > 0 ? 'validation' : 'test');
  await disposeTrainers(trainers);
  trainers = new Map();
  let compileSeconds: number;
  try {
    const started = await startTrainers(loaded.dataset, settings, (stage) => {
      runState.textContent = stage === 'starting' ? 'Starting the training worker…' : 'Compiling shaders…';
      training.stage(stage === 'starting' ? 'Copying the dataset to the training worker and building the trainers…'
        : 'Compiling shaders (before the first step; not counted in samples/s)…');
    });
    trainers = started.trainers;
    compileSeconds = started.compileSeconds;
    for (const [name, kept] of Object.entries(resume?.variants ?? {})) await trainers.get(name as VariantName)!.loadCheckpoint(kept.checkpoint);
  } catch (error) {
    setBusy(false);
    runState.textContent = '';
    say(`Not started: ${(error as Error).message}`);
    return;
  }
  trainers.values().next().value!.onLost(deviceLost);
  const testImages = testSize(settings, loaded.dataset.test.count);
  const meta: Omit<StudyRecord, 'variants'> = {
    dataset: { name: loaded.dataset.name, source: loaded.source, trainImages: sizes.train, validationImages: sizes.validation, testImages },
    quirks: settings.quirks,
    settings,
    adapter: { ...gpu.adapter, features: gpu.features },
  };
  // The run as a reload would resume it: stored after each variant's epoch, one write at a time.
  const record: InterruptedRun = resume ?? { version: INTERRUPTED_VERSION, startedAt: new Date().toISOString(), settings, dataset: loadedFacts()!, variants: {} };
  let storing = Promise.resolve();
  const keepEpoch = (r: Study['runs'][number]) => {
    if (!r.weights || !r.checkpoint) return;
    record.variants[r.name] = { epochs: [...r.epochs], weights: r.weights, checkpoint: r.checkpoint };
    const epochs = Object.values(record.variants).reduce((n, v) => n + v.epochs.length, 0);
    storing = storing.then(() => store.saveInterrupted(record)).then((ok) => resumeView.keptLine(epochs, settings.variants.length * settings.epochs, ok));
  };
  // The live results table follows each epoch in a task after the card's chart (see final below).
  let liveResults: ReturnType<typeof setTimeout> | undefined;
  const current = new Study(trainers, settings.epochs, {
    progress: (r, p) => {
      training.step(r, p);
      training.progress(current);
    },
    epoch: (r, m) => {
      keepEpoch(r);
      training.epoch(r, m, settings.epochs);
      training.progress(current);
      clearTimeout(liveResults);
      liveResults = setTimeout(() => results.show(current.runs, meta, false), 0);
    },
    evaluation: (r, p) => training.evaluating(r, p),
    status: (r) => training.status(r),
  }, new Map(Object.entries(record.variants) as [VariantName, NonNullable<InterruptedRun['variants'][VariantName]>][]));
  study = current;
  // A resumed run's kept epochs on its cards first, an epoch per task.
  for (const r of current.runs) {
    for (const m of r.epochs) {
      await nextTask();
      training.epoch(r, m, settings.epochs);
    }
    if (r.status !== 'queued') training.status(r);
  }
  setBusy(true);
  runState.textContent = `Training ${settings.variants.length} variant${settings.variants.length > 1 ? 's' : ''}…`;
  const started = performance.now();
  let end: StudyEnd;
  try {
    end = await current.run();
  } finally {
    study = null;
    setBusy(false);
  }
  // The last epoch's drawing happened in this task: the end of the run gets tasks of its own.
  clearTimeout(liveResults);
  await nextTask();
  const stats = current.stats();
  if (stats.done > 0 && stats.samplesPerSecond > 0) measuredRate = stats.samplesPerSecond;
  training.final(current, end, compileSeconds);
  runState.textContent = `${end === 'lost' ? 'Device lost' : end === 'stopped' ? 'Stopped' : 'Finished'} after ${duration((performance.now() - started) / 1000)}.`;
  results.show(current.runs, meta, true);
  await nextTask();
  if (current.runs.some((r) => r.epochs.length > 0)) await keep(studyRecord(meta, current.runs), end, current.runs);
  // An ended run is a past run now; one cut short by a lost device stays resumable after a reload.
  await storing;
  if (end !== 'lost') {
    await store.saveInterrupted(null);
    resumeView.clearKeptLine();
  }
  if (end === 'lost') return;
  // Best test accuracy first; a diverged or failed model has nothing to show.
  const ranked = summarize(current.runs).filter((r) => r.status !== 'diverged' && r.status !== 'failed')
    .sort((a, b) => (b.testAccuracy ?? -1) - (a.testAccuracy ?? -1));
  const finished = new Map(ranked.map((r) => [r.variant, trainers.get(r.variant as VariantName)!]));
  draw.show(finished, loaded.dataset);
  await predictions.show(finished, loaded.dataset);
  await inside.show(new Map([...trainers].filter(([name]) => ranked.some((r) => r.variant === name))), loaded.dataset);
}

/** Show a kept run in the results section, as when it ended. */
function showPastRun(run: SavedRun): void {
  if (busy) return;
  const { variants: _, ...meta } = run.record;
  predictions.hide();
  inside.hide();
  draw.hide();
  results.show(shownRuns(run), meta, true);
  pastRuns.select(run.id);
}

/** Test, look inside and draw with a model from a file. */
async function importWeightsFile(file: File | undefined): Promise<void> {
  const status = byId('weights-status');
  if (!file) return;
  if (busy || gpuProblem || !data.loaded) {
    status.textContent = busy ? 'Wait for the run to end.' : gpuProblem ?? 'Load a dataset first.';
    return;
  }
  status.textContent = `Loading ${file.name}…`;
  await imported?.dispose();
  imported = null;
  const dataset = data.loaded.dataset;
  try {
    const settings = parseSettings(settingsForm.raw()).settings ?? DEFAULT_SETTINGS;
    const { variant, trainer } = await importModel({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }, dataset, settings);
    imported = trainer;
    status.textContent = `${file.name}: the ${variant === 'batchnorm' ? 'batch-norm model (it has batch-norm tensors)' : 'model without batch norm (tested as the baseline)'}; see Look inside, Test predictions and Try it yourself.`;
    const models = new Map([[variant, trainer]]);
    draw.show(models, dataset);
    await predictions.show(models, dataset);
    await inside.show(models, dataset);
  } catch (error) {
    status.textContent = `Could not use ${file.name}: ${(error as Error).message}`;
  }
}

function compareRuns(runs: SavedRun[]): void {
  byId('past-compare').hidden = runs.length < 2;
  if (runs.length === 2) comparison.show(runs.map((r) => ({ label: `ended ${r.savedAt.slice(0, 19).replace('T', ' ')}`, variants: r.record.variants })));
}

async function deletePastRun(run: SavedRun): Promise<void> {
  await store.deleteRun(run.id);
  saved = saved.filter((r) => r.id !== run.id);
  pastRuns.render(saved, storageWorks);
}

/** Keep an ended run (results and weights) in this browser. */
async function keep(record: StudyRecord, end: StudyEnd, runs: Study['runs']): Promise<void> {
  const weights: Record<string, Uint8Array> = {};
  for (const r of runs) if (r.weights) weights[r.name] = r.weights;
  const run: SavedRun = { version: 1, id: newRunId(new Date()), savedAt: new Date().toISOString(), end, record, weights };
  storageWorks = await store.saveRun(run);
  if (storageWorks) saved = [run, ...saved];
  pastRuns.render(saved, storageWorks);
  pastRuns.select(run.id);
}

/** What this browser kept: the settings as last typed, and the past runs (the newest shown). */
async function restore(): Promise<void> {
  const settings = await store.settings();
  if (settings && !busy) {
    settingsForm.set(settings);
    refresh();
  }
  saved = await store.runs();
  if (!busy) resumeView.show(await store.interrupted());
  // Writing the settings back also tells whether this browser keeps anything for the page.
  storageWorks = await store.saveSettings(parseSettings(settingsForm.raw()).settings ?? DEFAULT_SETTINGS);
  pastRuns.render(saved, storageWorks);
  if (saved[0] && !busy && results.empty) showPastRun(saved[0]);
}

runButton.addEventListener('click', () => void run());
byId<HTMLInputElement>('weights-file').addEventListener('change', (e) => void importWeightsFile((e.target as HTMLInputElement).files?.[0]));
pauseButton.addEventListener('click', () => {
  if (!study) return;
  if (study.paused) {
    study.continue();
    pauseButton.textContent = 'Pause';
    runState.textContent = 'Training…';
  } else {
    study.pause();
    pauseButton.textContent = 'Continue';
    runState.textContent = 'Paused.';
  }
});
stopButton.addEventListener('click', () => study?.stop());

refresh();
void restore();
void startGpu();
void data.load();
