/**
 * npm run parity -- [--variants a,b] [--steps N | --epochs N] [--train-limit N] [--out FILE]
 * Trains each variant in the engine (headless Chromium's WebGPU) and in PyTorch (CPU, f32) from
 * the same initial weights, batches and dropout masks, and reports per-step loss differences and
 * the final weights' differences per tensor (JSON with --out, and a table).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { VARIANT_NAMES, type VariantName } from '../src/model/variants.ts';
import { integer, list, oneOf } from './args.ts';
import { DEFAULT_BROWSER } from './chromium.ts';
import { findDatasetDir } from './datasets.ts';
import { maxOf } from './parity/compare.ts';
import { runParity, type ParityReport, type VariantParity } from './parity/run.ts';
import { DEFAULT_PYTHON } from './parity/torch.ts';
import { pageErrorMessage } from './session.ts';

interface Flags {
  variants: VariantName[];
  steps: number;
  epochs?: number;
  trainLimit: number;
  validationSize?: number;
  testLimit: number;
  seed: number;
  out?: string;
  dataDir?: string;
  browser: string;
  python: string;
}

const program = new Command('parity')
  .description('Train each variant in the engine and in PyTorch from the same start and compare them step by step')
  .option('--variants <list>', `comma-separated, of ${VARIANT_NAMES.join(', ')}`, list(oneOf(VARIANT_NAMES)), [...VARIANT_NAMES])
  .option('--steps <n>', 'training steps per variant', integer(1), 100)
  .option('--epochs <n>', 'full epochs instead of --steps; also reports both test accuracies', integer(1))
  .option('--train-limit <n>', 'use only the first N training images (0 = all 60,000)', integer(0), 0)
  .option('--validation-size <n>', 'held out for validation (default 12,000, or a fifth of --train-limit)', integer(0))
  .option('--test-limit <n>', 'test images for --epochs (0 = all)', integer(0), 0)
  .option('--seed <n>', 'seed of split, init, shuffles and dropout', integer(0, 0xffffffff), 0)
  .option('--out <file>', 'write the report as JSON')
  .option('--data-dir <dir>', 'folder with the four Fashion-MNIST IDX .gz files')
  .option('--browser <path>', 'Chromium or Chrome executable', DEFAULT_BROWSER)
  .option('--python <path>', 'Python with torch and numpy', DEFAULT_PYTHON)
  .showHelpAfterError();

const e = (x: number) => x.toExponential(2);

function printVariant(name: string, r: VariantParity): void {
  const worst = Object.entries(r.finalParamMaxRelDiff).sort((a, b) => b[1] - a[1]);
  console.log(`\n${name}: ${r.steps} steps (engine ${r.seconds.engine.toFixed(1)} s, torch ${r.seconds.torch.toFixed(1)} s)` +
    `; inputs: ${r.inputCheck.mismatches} of ${r.inputCheck.count} differ from the gather shader's` +
    (r.dropoutMaskCheck ? `; dropout mask: ${r.dropoutMaskCheck.mismatches} of ${r.dropoutMaskCheck.count} differ from the shader's` : ''));
  console.log('  step   engine loss   torch loss    rel diff');
  const shown = r.steps <= 12 ? r.lossRelDiff.keys() : [0, 1, 2, 9, 24, 49, 74, 99, r.steps - 1].filter((i, k, a) => i < r.steps && a.indexOf(i) === k).values();
  for (const i of shown) console.log(`  ${String(i + 1).padStart(4)}   ${r.lossEngine[i]!.toFixed(7)}     ${r.lossTorch[i]!.toFixed(7)}     ${e(r.lossRelDiff[i]!)}`);
  console.log(`  max loss rel diff ${e(r.maxLossRelDiff)}; final tensors, max|engine − torch| / max|torch|: ` +
    worst.map(([t, x]) => `${t} ${e(x)}`).join(', '));
  console.log(`  eval-mode logits on ${r.evalCheck.images} test images: max rel diff ${e(r.evalCheck.logitMaxRelDiff)}, same class for ${(100 * r.evalCheck.argmaxAgreement).toFixed(2)}%`);
  const c = r.float64Control;
  console.log(`  control, torch f32 vs torch f64: max loss rel diff ${e(c.maxLossRelDiff)}; tensors ` +
    worst.map(([t]) => `${t} ${e(c.finalParamMaxRelDiff[t]!)}`).join(', ') + `; eval logits ${e(c.evalCheck.logitMaxRelDiff)}`);
  if (r.testAccuracy) console.log(`  test accuracy: engine ${(100 * r.testAccuracy.engine).toFixed(2)}%, torch ${(100 * r.testAccuracy.torch).toFixed(2)}%`);
}

function printSummary(report: ParityReport): void {
  console.log('\n| variant | steps | max loss rel diff | max final tensor rel diff | eval logits rel diff | test % engine / torch |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(report.variants)) {
    const acc = r.testAccuracy ? `${(100 * r.testAccuracy.engine).toFixed(2)} / ${(100 * r.testAccuracy.torch).toFixed(2)}` : '—';
    console.log(`| ${name} | ${r.steps} | ${e(r.maxLossRelDiff)} | ${e(maxOf(Object.values(r.finalParamMaxRelDiff)))} | ${e(r.evalCheck.logitMaxRelDiff)} | ${acc} |`);
  }
  console.log(`torch ${report.torch.version}; adapter ${JSON.stringify(report.adapter)}`);
}

async function main(): Promise<void> {
  const flags = program.parse(process.argv).opts<Flags>();
  let dataDir: string;
  try {
    dataDir = findDatasetDir('fashion-mnist', flags.dataDir);
  } catch (error) {
    console.error(`parity: ${(error as Error).message}`);
    process.exit(2);
  }
  try {
    const report = await runParity({
      variants: flags.variants, steps: flags.steps, epochs: flags.epochs, trainLimit: flags.trainLimit,
      validationSize: flags.validationSize ?? (flags.trainLimit > 0 ? Math.round(flags.trainLimit / 5) : 12_000),
      testLimit: flags.testLimit, seed: flags.seed, dataDir, browser: flags.browser, python: flags.python,
      onVariant: printVariant,
    });
    printSummary(report);
    if (flags.out) {
      mkdirSync(dirname(flags.out), { recursive: true });
      writeFileSync(flags.out, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`wrote ${flags.out}`);
    }
  } catch (error) {
    console.error(`parity: ${pageErrorMessage(error)}`);
    process.exit(1);
  }
}

await main();
