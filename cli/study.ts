/**
 * npm run study -- [options]
 * Runs the regularization study (LeNet-5 variants × seeds) in headless Chromium's WebGPU and writes
 * to --out: results.json, results.csv, <variant>-seed<N>.safetensors, the figures (PNG) and
 * REPORT.md. It checkpoints every run after every epoch; --resume continues an interrupted study
 * and ends with the numbers an uninterrupted one gives. With --sweep, one such study per strength
 * (cli/sweep.ts) and a report of accuracy against strength.
 * --out must be new or empty, hold this study (--resume) or a previous one (--force replaces its
 * outputs); files the study did not write are never replaced (cli/output-folder.ts).
 * Exit codes (cli/exit.ts): 0 done, 1 failure (browser, WebGPU), 2 bad usage or input, 3 a
 * variant diverged (the others still finished and are reported), 130 interrupted.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DATASET_NAMES } from '../src/data/dataset.ts';
import { VARIANT_NAMES } from '../src/model/variants.ts';
import { parseSweep, type SweepSpec } from '../src/study/sweep.ts';
import { OPTIMIZER_KINDS } from '../src/train/options.ts';
import { integer, list, number, oneOf } from './args.ts';
import { DEFAULT_BROWSER } from './chromium.ts';
import { findDatasetDir } from './datasets.ts';
import { openSession, runtimeOption, type Runtime } from './runtime.ts';
import { BrowserSession, pageErrorMessage, type AdapterReport, type RunnerSession } from './session.ts';
import { CliError, EXIT, oneLineUsageErrors } from './exit.ts';
import { Interrupt } from './interrupt.ts';
import { OutputFolder } from './output-folder.ts';
import { RunProgress } from './run-progress.ts';
import { CONFIG_KEYS, conflicts, validateConfig, type StudyConfig } from './study-config.ts';
import { studyFiles, writeOutputs } from './study-outputs.ts';
import { newResults, readResults, type StudyResults } from './study-results.ts';
import { trainRuns } from './study-runs.ts';
import { runSweepStudies, writeSweepOutputs } from './sweep.ts';

interface Flags extends Omit<StudyConfig, 'validationSize'> {
  validationSize?: number;
  out: string;
  dataDir?: string;
  browser: string;
  browserArg: string[];
  runtime: Runtime;
  resume: boolean;
  force: boolean;
  stopAfter?: number;
  sweep: SweepSpec[];
}

const program = oneLineUsageErrors(new Command('study'))
  .description('Run the LeNet-5 regularization study on the GPU (WebGPU in headless Chromium, or on Dawn in Node with --runtime node) and write its report')
  .addOption(new Option('--dataset <name>', 'dataset').choices(DATASET_NAMES).default('fashion-mnist'))
  .option('--data-dir <dir>', 'folder with the four IDX .gz files (default: ./data/<dataset> or /usr/share/datasets/<dataset>)')
  .addOption(new Option('--variants <list>', `comma-separated variants out of ${VARIANT_NAMES.join(', ')}`)
    .argParser(list(oneOf(VARIANT_NAMES))).default([...VARIANT_NAMES], 'all four'))
  .addOption(new Option('--seeds <list>', 'comma-separated seeds; several give mean ± std per variant')
    .argParser(list(integer(0, 0xffffffff))).default([0], '0'))
  .option('--epochs <n>', 'epochs per run (the original study: 50)', integer(1, 10_000), 50)
  .option('--batch-size <n>', 'training batch size', integer(1, 4096), 64)
  .option('--eval-batch-size <n>', 'evaluation batch size', integer(1, 4096), 500)
  .option('--validation-size <n>', 'training images held out for validation (default 12,000, or a fifth of --train-limit)', integer(0))
  .option('--train-limit <n>', 'use only the first N training images (0 = all)', integer(0), 0)
  .option('--test-limit <n>', 'use only the first N test images (0 = all)', integer(0), 0)
  .addOption(new Option('--optimizer <kind>', 'optimizer').choices(OPTIMIZER_KINDS).default('adam'))
  .option('--lr <x>', 'learning rate', number(0, 10, { openMin: true }), 1e-3)
  .option('--momentum <x>', 'SGD momentum', number(0, 1, { openMax: true }), 0.9)
  .option('--dropout <p>', "the dropout variant's probability", number(0, 1, { openMax: true }), 0.5)
  .option('--weight-decay <x>', "the weight-decay variant's L2 λ", number(0, 10), 1e-3)
  .option('--decoupled', 'the weight-decay variant decays AdamW-style instead of coupled L2', false)
  .option('--quirks', "evaluate like the original study (dropout on, batch statistics)", false)
  .option('--sweep <variant=s1,s2,…>', 'train the variant at each strength (dropout p or weight-decay λ) and plot accuracy against it; repeatable',
    (value: string, previous: SweepSpec[]) => [...previous, sweepArgument(value)], [] as SweepSpec[])
  .option('--out <dir>', 'output folder', 'out/study')
  .option('--resume', 'continue the interrupted study in --out (its options are kept)', false)
  .option('--force', 'start over in an --out that holds a previous study: its outputs are replaced, other files are kept', false)
  .option('--browser <path>', 'Chromium or Chrome executable', DEFAULT_BROWSER)
  .option('--browser-arg <flag...>', 'extra browser flags (e.g. --use-angle=vulkan)', [])
  .addOption(runtimeOption())
  .addOption(new Option('--stop-after <epochs>', 'stop (as if interrupted) after training this many epochs; for testing --resume')
    .argParser(integer(1)).hideHelp());

function sweepArgument(value: string): SweepSpec {
  try {
    return parseSweep(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--sweep [^:]+: /, ''));
  }
}

function fail(message: string, code: number): never {
  console.error(`study: ${message}`);
  process.exit(code);
}

/** The configuration this command line asks for, or, with --resume, the stored one it must agree with. */
function configure(flags: Flags, stored: StudyResults | null, out: string): StudyResults {
  const given: Partial<StudyConfig> = {};
  for (const key of CONFIG_KEYS) if (program.getOptionValueSource(key) === 'cli') Object.assign(given, { [key]: flags[key] });
  if (flags.resume) {
    if (!stored) throw new CliError(`--resume: ${out} holds no results.json to continue; start the study without --resume`, EXIT.usage);
    const differ = conflicts(stored.config, given);
    if (differ.length) throw new CliError(`--resume: ${differ.join(', ')}; resume with the study's own options or choose another --out`, EXIT.usage);
    return stored;
  }
  const { validationSize, trainLimit } = flags;
  const config = Object.fromEntries(CONFIG_KEYS.map((k) => [k, flags[k as keyof Flags]])) as unknown as StudyConfig;
  config.validationSize = validationSize ?? (trainLimit > 0 ? Math.floor(trainLimit / 5) : 12_000);
  return newResults(config, versions());
}

function versions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  const v: Record<string, string> = { [pkg.name]: pkg.version, node: process.version };
  try {
    v.commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    // Not a git checkout (e.g. an npm install): the package version says enough.
  }
  return v;
}

/** --sweep: one study per strength in child processes, then sweep.json, SWEEP.md and the figures. */
async function sweep(flags: Flags): Promise<void> {
  const variants = flags.sweep.map((s) => s.variant);
  if (new Set(variants).size !== variants.length) fail('--sweep: each variant can be swept once', 2);
  if (program.getOptionValueSource('variants') === 'cli') fail('--sweep chooses the variants; leave out --variants', 2);
  let dataDir: string;
  try {
    dataDir = findDatasetDir(flags.dataset, flags.dataDir);
    const code = runSweepStudies(flags.sweep, process.argv.slice(2), flags.out, fileURLToPath(import.meta.url), flags.resume);
    if (code !== 0) {
      console.error(`study: a sweep's study stopped (exit ${code}); continue with --resume`);
      process.exitCode = code;
      return;
    }
  } catch (error) {
    fail((error as Error).message, 2);
  }
  let session: BrowserSession | null = null;
  try {
    session = await BrowserSession.open({ dataDir, datasetName: flags.dataset, browser: flags.browser, browserArgs: flags.browserArg });
    const results = await writeSweepOutputs(session, flags.sweep, flags.out, process.argv.slice(2).join(' '));
    for (const finding of results.sweeps.flatMap((s) => s.findings)) console.log(`sweep: ${finding}`);
    console.log(`study: wrote ${join(flags.out, 'SWEEP.md')}, sweep.json and ${results.sweeps.length} figure${results.sweeps.length > 1 ? 's' : ''}`);
  } catch (error) {
    console.error(`study: ${pageErrorMessage(error)}`);
    process.exitCode = 1;
  } finally {
    await session?.close();
  }
}

/** Browsers leave device and description empty (privacy) where Dawn in Node fills them: compare what both report. */
function sameAdapter(a: AdapterReport['adapter'], b: AdapterReport['adapter']): boolean {
  return (Object.keys(a) as (keyof typeof a)[]).every((key) => !a[key] || !b[key] || a[key] === b[key]);
}

async function main(): Promise<void> {
  const started = Date.now();
  const flags = program.parse(process.argv).opts<Flags>();
  if (flags.sweep.length) return sweep(flags);
  const out = flags.out;
  let results: StudyResults;
  let dataDir: string;
  let folder: OutputFolder;
  try {
    results = configure(flags, flags.resume ? readResults(join(out, 'results.json')) : null, out);
    validateConfig(results.config);
    dataDir = findDatasetDir(results.config.dataset, flags.dataDir ?? (results.dataDir || undefined));
    folder = OutputFolder.prepare(out, { command: 'study', marker: 'results.json', files: studyFiles(results.config), resume: flags.resume, force: flags.force });
    results.dataDir = dataDir;
  } catch (error) {
    fail((error as Error).message, 2);
  }
  const wallBefore = results.wallSeconds;
  results.commands.push(process.argv.slice(2).join(' '));
  const save = () => {
    results.updatedAt = new Date().toISOString();
    results.wallSeconds = wallBefore + (Date.now() - started) / 1000;
    folder.write('results.json', `${JSON.stringify(results, null, 2)}\n`);
  };

  const progress = new RunProgress();
  const interrupt = new Interrupt('study');
  let session: RunnerSession | null = null;
  try {
    session = await openSession(flags.runtime, {
      dataDir, datasetName: results.config.dataset, browser: flags.browser, browserArgs: flags.browserArg,
      onProgress: (p) => progress.report(p),
      onEvaluation: (p) => progress.evaluated(p),
    });
    const adapter = await session.call<AdapterReport>('adapter');
    if (results.adapter && !sameAdapter(results.adapter.adapter, adapter.adapter)) {
      console.warn(`study: warning: resuming on another adapter (${JSON.stringify(adapter.adapter)}); numbers may differ from an uninterrupted run`);
    }
    results.adapter = adapter;
    const trained = await trainRuns(session, results, { folder, save, progress, interrupt, stopAfter: flags.stopAfter });
    progress.stop();
    if (trained === 'stopped') {
      console.log(`study: stopped after ${flags.stopAfter} epochs (--stop-after); continue with --resume --out ${out}`);
      return;
    }
    if (trained === 'interrupted') {
      console.error(`study: interrupted; every finished epoch is in ${join(out, 'results.json')} and the run in progress is checkpointed.`);
      console.error(`study: continue with: npm run study -- --resume --out ${out}`);
      process.exitCode = EXIT.interrupted;
      return;
    }
    const figures = await writeOutputs(session, results, folder, save);
    const diverged = results.runs.filter((r) => r.status === 'diverged');
    if (diverged.length) {
      console.error(`study: ${diverged.map((r) => `${r.variant} (seed ${r.seed})`).join(', ')} diverged; the other variants finished — see ${join(out, 'REPORT.md')}`);
      process.exitCode = EXIT.diverged;
      return;
    }
    console.log(`study: done in ${results.wallSeconds.toFixed(0)} s; wrote ${join(out, 'REPORT.md')}, results.json, results.csv, the weights and ${figures} figures`);
  } catch (error) {
    // results.json already holds every finished epoch; --resume continues from there.
    progress.stop();
    const explained = session?.explain(error) ?? new CliError(pageErrorMessage(error), EXIT.failure);
    console.error(`study: ${explained.message}`);
    process.exitCode = explained.code;
  } finally {
    await session?.close();
  }
}

await main();
