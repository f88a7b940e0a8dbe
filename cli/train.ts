/**
 * npm run train -- --variant <name> (--steps N | --epochs N) [options]
 * Trains one variant of LeNet-5 in headless Chromium's WebGPU (or, with --runtime node, on Dawn in
 * this process) and writes DIR/metrics.json and
 * DIR/weights.safetensors. The run is checkpointed after every epoch and on Ctrl-C (at the next
 * step boundary) to DIR/checkpoint.safetensors; --resume continues it to the numbers and weights
 * of an uninterrupted run. Exit codes: cli/exit.ts (0 done, 1 failure, 2 bad usage or input,
 * 3 diverged, 130 interrupted).
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { DATASET_NAMES } from '../src/data/dataset.ts';
import { VARIANT_NAMES, variant as preset } from '../src/model/variants.ts';
import { OPTIMIZER_KINDS, resolveOptions } from '../src/train/options.ts';
import type { Progress } from '../src/train/types.ts';
import { integer, number } from './args.ts';
import { DEFAULT_BROWSER } from './chromium.ts';
import { findDatasetDir } from './datasets.ts';
import { CliError, EXIT, oneLineUsageErrors, runCommand } from './exit.ts';
import { Interrupt } from './interrupt.ts';
import { OutputFolder } from './output-folder.ts';
import type { EpochOutcome, FinalEvaluation, OpenedRun, OpenRun } from './page/runs.ts';
import { RunProgress } from './run-progress.ts';
import { openSession, runtimeOption, type Runtime } from './runtime.ts';
import { newTrainRecord, readTrainRecord, TRAIN_CONFIG_KEYS, trainConflicts, type TrainConfig, type TrainRecord } from './train-record.ts';

const FILES = { record: 'metrics.json', weights: 'weights.safetensors', checkpoint: 'checkpoint.safetensors' } as const;

interface Flags extends Omit<TrainConfig, 'steps' | 'epochs' | 'dropout' | 'weightDecay'> {
  steps?: number;
  epochs?: number;
  dropout?: number;
  weightDecay?: number;
  out: string;
  dataDir?: string;
  resume: boolean;
  force: boolean;
  browser: string;
  browserArg: string[];
  runtime: Runtime;
}

const program = oneLineUsageErrors(new Command('train'))
  .description('Train one LeNet-5 variant on the GPU (WebGPU in headless Chromium, or on Dawn in Node with --runtime node)')
  .addOption(new Option('--variant <name>', 'study variant').choices(VARIANT_NAMES).default('baseline'))
  .option('--steps <n>', 'training steps (batches)', integer(1))
  .option('--epochs <n>', 'training epochs', integer(1))
  .option('--seed <n>', 'seed of split, init, shuffles and dropout', integer(0, 0xffffffff), 0)
  .option('--out <dir>', 'output folder (must be new or empty; see --resume and --force)', 'out/train')
  .option('--resume', 'continue the interrupted run in --out (its options are kept)', false)
  .option('--force', 'start over in an --out that holds a previous run: its outputs are replaced, other files are kept', false)
  .addOption(new Option('--dataset <name>', 'dataset').choices(DATASET_NAMES).default('fashion-mnist'))
  .option('--data-dir <dir>', 'folder with the four IDX files (default: ./data/<dataset> or /usr/share/datasets/<dataset>)')
  .option('--train-limit <n>', 'use only the first N training images (0 = all)', integer(0), 0)
  .option('--test-limit <n>', 'use only the first N test images (0 = all)', integer(0), 0)
  .option('--batch-size <n>', 'training batch size', integer(1, 4096), 64)
  .option('--eval-batch-size <n>', 'evaluation batch size', integer(1, 4096), 500)
  .option('--validation-size <n>', 'training images held out for validation (default 12,000, or a fifth of --train-limit)', integer(0))
  .addOption(new Option('--optimizer <kind>', 'optimizer').choices(OPTIMIZER_KINDS).default('adam'))
  .option('--lr <x>', 'learning rate', number(0, 10, { openMin: true }), 1e-3)
  .option('--momentum <x>', 'SGD momentum', number(0, 1, { openMax: true }), 0.9)
  .option('--dropout <p>', 'dropout probability (overrides the variant)', number(0, 1, { openMax: true }))
  .option('--weight-decay <x>', 'L2 weight decay λ (overrides the variant)', number(0, 1))
  .option('--decoupled', 'decoupled (AdamW-style) weight decay instead of coupled L2', false)
  .option('--batch-norm', 'add batch norm to the variant', false)
  .option('--steps-per-submit <n>', 'training steps per command buffer', integer(1, 1024), 8)
  .option('--quirks', "evaluate like the original study (dropout on, batch statistics)", false)
  .option('--browser <path>', 'Chromium or Chrome executable', DEFAULT_BROWSER)
  .option('--browser-arg <flag...>', 'extra browser flags (e.g. --use-angle=vulkan)', [])
  .addOption(runtimeOption());

/** The run this command line asks for, or, with --resume, the stored one it must agree with. */
function configure(flags: Flags, folder: string): TrainRecord {
  const given: Partial<TrainConfig> = {};
  for (const key of TRAIN_CONFIG_KEYS) if (program.getOptionValueSource(key) === 'cli') Object.assign(given, { [key]: flags[key as keyof Flags] });
  if (flags.resume) {
    const stored = readTrainRecord(join(folder, FILES.record));
    const differ = trainConflicts(stored.config, given);
    if (differ.length) throw new CliError(`--resume: ${differ.join(', ')}; resume with the run's own options, or start a new run in another --out`, EXIT.usage);
    if (stored.status === 'complete') throw new CliError(`--resume: the run in ${folder} is complete (${stored.steps} steps); nothing to continue`, EXIT.usage);
    if (stored.status === 'diverged') throw new CliError(`--resume: the run in ${folder} diverged (${stored.error}); start a new one with other options`, EXIT.usage);
    return stored;
  }
  if (flags.steps === undefined && flags.epochs === undefined) throw new CliError('give --steps N or --epochs N', EXIT.usage);
  const config: TrainConfig = {
    ...Object.fromEntries(TRAIN_CONFIG_KEYS.map((k) => [k, flags[k as keyof Flags] ?? null])) as unknown as TrainConfig,
    validationSize: flags.validationSize ?? (flags.trainLimit > 0 ? Math.floor(flags.trainLimit / 5) : 12_000),
  };
  return newTrainRecord(config);
}

function runRequest(config: TrainConfig, datasetUrl: string, checkpoint?: string): OpenRun {
  return {
    dataset: { name: config.dataset, url: datasetUrl },
    variant: config.variant,
    variantOverrides: {
      ...(config.dropout !== null && { dropout: config.dropout }),
      ...(config.weightDecay !== null && { weightDecay: config.weightDecay }),
      ...(config.decoupled && { decoupledWeightDecay: true }),
      ...(config.batchNorm && { batchNorm: true }),
    },
    options: {
      seed: config.seed, batchSize: config.batchSize, evalBatchSize: config.evalBatchSize, validationSize: config.validationSize,
      trainLimit: config.trainLimit, testLimit: config.testLimit, stepsPerSubmit: config.stepsPerSubmit, quirks: config.quirks,
      optimizer: { kind: config.optimizer, lr: config.lr, momentum: config.momentum },
    },
    ...(checkpoint && { checkpoint }),
  };
}

/** Steps the run plans in all: --steps, or --epochs of this data (whichever ends first when both are given). */
function plannedSteps(config: TrainConfig, stepsPerEpoch: number): number {
  return Math.min(config.steps ?? Infinity, config.epochs !== null ? config.epochs * stepsPerEpoch : Infinity);
}

const percent = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(2)}%`);

async function main(): Promise<number> {
  const started = Date.now();
  const flags = program.parse(process.argv).opts<Flags>();
  const record = configure(flags, flags.out);
  const { config } = record;
  const request = runRequest(config, '');
  resolveOptions({ ...request.options, variant: preset(config.variant, request.variantOverrides) });
  let dataDir: string;
  try {
    dataDir = findDatasetDir(config.dataset, flags.dataDir ?? (record.dataDir || undefined));
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
  const folder = OutputFolder.prepare(flags.out, { command: 'train', marker: FILES.record, files: Object.values(FILES), resume: flags.resume, force: flags.force });
  const wallBefore = record.wallSeconds;
  record.status = 'running';
  record.dataDir = dataDir;
  record.commands.push(process.argv.slice(2).join(' '));
  const save = () => {
    record.wallSeconds = wallBefore + (Date.now() - started) / 1000;
    folder.write(FILES.record, `${JSON.stringify(record, null, 2)}\n`);
  };
  const interrupt = new Interrupt('train');
  const progress = new RunProgress();
  let last: Progress | null = null;
  const session = await openSession(flags.runtime, {
    dataDir, datasetName: config.dataset, browser: flags.browser, browserArgs: flags.browserArg,
    onProgress: (p) => {
      last = p;
      progress.report(p);
    },
    onEvaluation: (p) => progress.evaluated(p),
  });
  try {
    const adapter = await session.adapter();
    Object.assign(record, { adapter: adapter.adapter, browser: adapter.userAgent });
    const checkpoint = flags.resume && record.steps > 0 ? folder.read(FILES.checkpoint)?.toString('base64') : undefined;
    if (flags.resume && record.steps > 0 && !checkpoint) throw new CliError(`--resume: ${folder.path(FILES.checkpoint)} is missing; the run cannot continue`, EXIT.usage);
    const run = await session.call<OpenedRun>('open', { ...runRequest(config, session.datasetUrl, checkpoint), ...(checkpoint && { checkpointFile: folder.path(FILES.checkpoint) }) });
    Object.assign(record, { parameterCount: run.parameterCount, sizes: run.sizes, steps: run.globalStep, perEpoch: run.history, epochs: run.history.length });
    save();
    const planned = plannedSteps(config, run.stepsPerEpoch);
    progress.start(planned, run.globalStep);
    progress.follow(config.variant, Math.ceil(planned / run.stepsPerEpoch), 0, run.sizes);
    interrupt.whenRequested(() => void session.call('stop', run.id).catch(() => {}));
    while (record.steps < planned) {
      const outcome = await session.call<EpochOutcome>('trainEpoch', run.id, planned - record.steps);
      if ('diverged' in outcome) {
        progress.stop();
        Object.assign(record, { status: 'diverged', error: outcome.diverged });
        save();
        throw new CliError(`${outcome.diverged}; the record is in ${folder.path(FILES.record)}`, EXIT.diverged);
      }
      folder.write(FILES.checkpoint, Buffer.from(outcome.checkpoint, 'base64'));
      record.steps = outcome.globalStep;
      if (outcome.metrics) {
        record.perEpoch.push(outcome.metrics);
        record.epochs = record.perEpoch.length;
        progress.epoch(config.variant, Math.ceil(planned / run.stepsPerEpoch), outcome.metrics);
      }
      const p = last as Progress | null;
      Object.assign(record, { trainLoss: p?.trainLoss ?? record.trainLoss, trainAccuracy: p?.trainAccuracy ?? record.trainAccuracy, samplesPerSecond: p?.samplesPerSecond ?? record.samplesPerSecond });
      if ((outcome.stopped || interrupt.requested) && record.steps < planned) {
        progress.stop();
        record.status = 'interrupted';
        save();
        console.error(`train: interrupted after ${record.steps} of ${planned} steps; checkpoint saved to ${folder.path(FILES.checkpoint)}.`);
        console.error(`train: continue with: npm run train -- --resume --out ${flags.out}`);
        return EXIT.interrupted;
      }
      save();
    }
    const lastEpoch = record.perEpoch.at(-1);
    let final: FinalEvaluation;
    if (lastEpoch && lastEpoch.steps === record.steps) {
      final = { validationLoss: lastEpoch.validationLoss, validationAccuracy: lastEpoch.validationAccuracy, testLoss: lastEpoch.testLoss, testAccuracy: lastEpoch.testAccuracy };
    } else {
      progress.evaluating();
      final = await session.call<FinalEvaluation>('evaluate', run.id);
    }
    progress.stop();
    folder.write(FILES.weights, Buffer.from(await session.call<string>('weights', run.id, {}), 'base64'));
    Object.assign(record, { status: 'complete', final, testAccuracy: final.testAccuracy, validationAccuracy: final.validationAccuracy });
    save();
    folder.remove(FILES.checkpoint);
    console.log(`train: ${config.variant} after ${record.steps} steps (${record.epochs} full epoch${record.epochs === 1 ? '' : 's'}): `
      + `test accuracy ${percent(final.testAccuracy)}${final.validationAccuracy !== null ? `, validation ${percent(final.validationAccuracy)}` : ''}, `
      + `train loss ${record.trainLoss?.toFixed(4) ?? '—'}`);
    console.log(`train: wrote ${folder.path(FILES.record)} and ${folder.path(FILES.weights)} in ${record.wallSeconds.toFixed(0)} s`);
    return EXIT.ok;
  } catch (error) {
    progress.stop();
    throw session.explain(error);
  } finally {
    await session.close();
  }
}

await runCommand('train', main);
