/**
 * npm run train -- --variant <name> (--steps N | --epochs N) [options]
 * Trains one variant of LeNet-5 in headless Chromium's WebGPU and writes DIR/metrics.json and
 * DIR/weights.safetensors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { DATASET_NAMES, type DatasetName } from '../src/data/dataset.ts';
import { VARIANT_NAMES, type VariantName } from '../src/model/variants.ts';
import { OPTIMIZER_KINDS, resolveOptions, type OptimizerKind } from '../src/train/options.ts';
import { variant as preset } from '../src/model/variants.ts';
import type { Progress } from '../src/train/types.ts';
import { integer, number } from './args.ts';
import { findDatasetDir } from './datasets.ts';
import { DEFAULT_BROWSER } from './chromium.ts';
import { BrowserSession, pageErrorMessage } from './session.ts';

interface Flags {
  variant: VariantName;
  steps?: number;
  epochs?: number;
  seed: number;
  out: string;
  dataset: DatasetName;
  dataDir?: string;
  batchSize: number;
  evalBatchSize: number;
  validationSize: number;
  optimizer: OptimizerKind;
  lr: number;
  momentum: number;
  dropout?: number;
  weightDecay?: number;
  decoupled: boolean;
  batchNorm: boolean;
  stepsPerSubmit: number;
  quirks: boolean;
  browser: string;
  browserArg: string[];
}

const program = new Command('train')
  .description('Train one LeNet-5 variant on the GPU (WebGPU in headless Chromium)')
  .addOption(new Option('--variant <name>', 'study variant').choices(VARIANT_NAMES).default('baseline'))
  .option('--steps <n>', 'training steps (batches)', integer(1))
  .option('--epochs <n>', 'training epochs', integer(1))
  .option('--seed <n>', 'seed of split, init, shuffles and dropout', integer(0, 0xffffffff), 0)
  .option('--out <dir>', 'output folder', 'out/train')
  .addOption(new Option('--dataset <name>', 'dataset').choices(DATASET_NAMES).default('fashion-mnist'))
  .option('--data-dir <dir>', 'folder with the four IDX .gz files (default: ./data/<dataset> or /usr/share/datasets/<dataset>)')
  .option('--batch-size <n>', 'training batch size', integer(1, 4096), 64)
  .option('--eval-batch-size <n>', 'evaluation batch size', integer(1, 4096), 500)
  .option('--validation-size <n>', 'training images held out for validation', integer(0), 12_000)
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
  .showHelpAfterError();

function fail(message: string, code: number): never {
  console.error(`train: ${message}`);
  process.exit(code);
}

async function main(): Promise<void> {
  const flags = program.parse(process.argv).opts<Flags>();
  if (flags.steps === undefined && flags.epochs === undefined) fail('give --steps N or --epochs N', 2);
  const overrides = {
    ...(flags.dropout !== undefined && { dropout: flags.dropout }),
    ...(flags.weightDecay !== undefined && { weightDecay: flags.weightDecay }),
    ...(flags.decoupled && { decoupledWeightDecay: true }),
    ...(flags.batchNorm && { batchNorm: true }),
  };
  const options = {
    seed: flags.seed, batchSize: flags.batchSize, evalBatchSize: flags.evalBatchSize, validationSize: flags.validationSize,
    stepsPerSubmit: flags.stepsPerSubmit, quirks: flags.quirks,
    optimizer: { kind: flags.optimizer, lr: flags.lr, momentum: flags.momentum },
  };
  let dataDir: string;
  try {
    resolveOptions({ ...options, variant: preset(flags.variant, overrides) });
    dataDir = findDatasetDir(flags.dataset, flags.dataDir);
  } catch (error) {
    fail((error as Error).message, 2);
  }

  const bar = new cliProgress.SingleBar({
    format: 'epoch {epoch} |{bar}| {value}/{total} steps | loss {loss} | acc {acc} | {sps} samples/s',
    noTTYOutput: !process.stdout.isTTY,
    notTTYSchedule: 10_000,
  }, cliProgress.Presets.shades_classic);
  let barEpoch = -1;
  let last: Progress | null = null;
  const started = Date.now();
  let session: BrowserSession | null = null;
  try {
    session = await BrowserSession.open({
      dataDir, datasetName: flags.dataset, browser: flags.browser, browserArgs: flags.browserArg,
      onProgress: (p) => {
        last = p;
        const payload = { epoch: p.epoch, loss: p.trainLoss.toFixed(4), acc: p.trainAccuracy.toFixed(4), sps: p.samplesPerSecond.toFixed(0) };
        if (p.epoch !== barEpoch) {
          if (barEpoch >= 0) bar.stop();
          bar.start(p.stepsPerEpoch, p.step, payload);
          barEpoch = p.epoch;
        }
        bar.update(p.step, payload);
      },
      onEpoch: (m) => {
        bar.stop();
        barEpoch = -1;
        console.log(`epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)} acc ${m.trainAccuracy.toFixed(4)}` +
          (m.validationAccuracy !== null ? ` | validation acc ${m.validationAccuracy.toFixed(4)}` : '') +
          ` | test acc ${m.testAccuracy.toFixed(4)} | ${m.samplesPerSecond.toFixed(0)} samples/s`);
      },
    });
    const adapter = await session.adapter();
    const result = await session.train({
      dataset: { name: flags.dataset, url: session.datasetUrl },
      variant: flags.variant, variantOverrides: overrides, options,
      budget: { ...(flags.steps !== undefined && { steps: flags.steps }), ...(flags.epochs !== undefined && { epochs: flags.epochs }) },
    });
    bar.stop();
    mkdirSync(flags.out, { recursive: true });
    const { weightsBase64, ...rest } = result;
    writeFileSync(`${flags.out}/weights.safetensors`, Buffer.from(weightsBase64, 'base64'));
    const metrics = {
      variant: flags.variant,
      seed: flags.seed,
      dataset: flags.dataset,
      steps: result.steps,
      epochs: result.epochs.length,
      parameterCount: result.parameterCount,
      // Running means over the last (possibly unfinished) epoch's training batches.
      trainLoss: (last as Progress | null)?.trainLoss ?? null,
      trainAccuracy: (last as Progress | null)?.trainAccuracy ?? null,
      testAccuracy: result.final.testAccuracy,
      validationAccuracy: result.final.validationAccuracy,
      samplesPerSecond: result.samplesPerSecond,
      adapter: adapter.adapter,
      browser: adapter.userAgent,
      wallSeconds: (Date.now() - started) / 1000,
      options: { ...options, variant: result.variant },
      perEpoch: result.epochs,
      final: rest.final,
    };
    writeFileSync(`${flags.out}/metrics.json`, `${JSON.stringify(metrics, null, 2)}\n`);
    console.log(`test accuracy ${(100 * result.final.testAccuracy).toFixed(2)}% after ${result.steps} steps; wrote ${flags.out}/metrics.json and ${flags.out}/weights.safetensors`);
  } catch (error) {
    bar.stop();
    fail(pageErrorMessage(error), 1);
  } finally {
    await session?.close();
  }
}

await main();
