/**
 * npm run quirks -- --study DIR [--out DIR-quirks] [--runtime node]
 * The original study's evaluation (dropout active, batch statistics: `--quirks`) applied to a
 * finished study's final weights, and how the verdicts on the original's conclusions move.
 * Training is the same with and without --quirks (only evaluation differs; tests/quirks.test.ts
 * checks the weights bit for bit), so re-evaluating the final weights gives the --quirks study's
 * final numbers without training again — up to the dropout masks its evaluation draws. Writes
 * quirks.json and QUIRKS.md; exit codes as cli/exit.ts.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import type { Analysis, Verdict } from '../src/study/claims.ts';
import { DEFAULT_BROWSER } from './chromium.ts';
import { findDatasetDir } from './datasets.ts';
import { CliError, EXIT, oneLineUsageErrors, runCommand } from './exit.ts';
import { OutputFolder } from './output-folder.ts';
import type { FinalEvaluation, OpenedRun, OpenRun } from './page/runs.ts';
import { openSession, runtimeOption, type Runtime } from './runtime.ts';
import { trainerOptions, variantOverrides } from './study-config.ts';
import { analysisOf, runWeightsFile } from './study-outputs.ts';
import { readResults, type StudyResults } from './study-results.ts';

const FILES = { record: 'quirks.json', report: 'QUIRKS.md' } as const;
/** The conclusions the original's evaluation can move (the fourth, on validation, is about choosing epochs). */
const MOVED = 3;

interface Flags { study: string; out?: string; force: boolean; browser: string; runtime: Runtime }

const program = oneLineUsageErrors(new Command('quirks'))
  .description("Evaluate a finished study's final weights the original's way (--quirks) and compare the verdicts")
  .requiredOption('--study <dir>', 'a finished study (its results.json and weights)')
  .option('--out <dir>', 'output folder (default: <study>-quirks)')
  .option('--force', 'replace the outputs of a previous quirks run in --out', false)
  .option('--browser <path>', 'Chromium or Chrome executable', DEFAULT_BROWSER)
  .addOption(runtimeOption());

const percent = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(2)}%`);

/** The study as a --quirks study would have ended it: each run's final validation and test numbers replaced. */
function counterpart(results: StudyResults, evaluations: Map<string, FinalEvaluation>): StudyResults {
  const copy = structuredClone(results);
  copy.config.quirks = true;
  for (const run of copy.runs) {
    const e = evaluations.get(`${run.variant}/${run.seed}`);
    const last = run.epochs.at(-1);
    if (e && last) Object.assign(last, e);
  }
  return copy;
}

function verdictRows(correct: Verdict[], quirks: Verdict[]): string[] {
  return correct.slice(0, MOVED).map((v, i) => `| ${v.claim} | **${v.verdict}** | **${quirks[i]!.verdict}** | ${quirks[i]!.evidence.replaceAll('|', '\\|')} |`);
}

/** QUIRKS.md from the study's analysis (`a`) and its --quirks counterpart's (`b`). */
function report(study: string, out: string, results: StudyResults, a: Analysis, b: Analysis): string {
  const interval = (s: { mean: number; ci95: [number, number] | null } | null | undefined) =>
    (s ? `${percent(s.mean)}${s.ci95 ? ` [${(100 * s.ci95[0]).toFixed(2)}, ${(100 * s.ci95[1]).toFixed(2)}]` : ''}` : '—');
  return [
    `# The original's evaluation, applied to ${study}`, '',
    `The final weights of every run of [${study}](${relative(out, join(study, 'REPORT.md'))}) (${results.config.epochs} epoch${results.config.epochs > 1 ? 's' : ''} × ${results.config.seeds.length} seed${results.config.seeds.length > 1 ? 's' : ''}) evaluated again `
      + "the way the original study did (`--quirks`: dropout active, batch statistics of training-size test batches). Training is the same either way, so these are a `--quirks` study's final numbers, up to the dropout masks drawn at evaluation.", '',
    '| variant | test accuracy, correct evaluation (95% interval) | with --quirks |', '|---|---|---|',
    ...results.config.variants.map((v) => `| ${v} | ${interval(a.statistics[v]?.testAccuracy)} | ${interval(b.statistics[v]?.testAccuracy)} |`), '',
    '## How the verdicts move', '',
    '| claim | correct evaluation | with --quirks | evidence with --quirks |', '|---|---|---|---|',
    ...verdictRows(a.verdicts, b.verdicts), '',
    `Written by \`npm run quirks -- --study ${study}\`; the numbers are in ${FILES.record}.`, '',
  ].join('\n');
}

async function main(): Promise<number> {
  const flags = program.parse(process.argv).opts<Flags>();
  const results = readResults(join(flags.study, 'results.json'));
  if (!results) throw new CliError(`${join(flags.study, 'results.json')} does not exist: --study names a study's folder`, EXIT.usage);
  if (results.status !== 'complete') throw new CliError(`${flags.study} is ${results.status}, not complete: finish it first (npm run study -- --resume --out ${flags.study})`, EXIT.usage);
  if (results.config.quirks) throw new CliError(`${flags.study} was already evaluated with --quirks`, EXIT.usage);
  let dataDir: string;
  try {
    dataDir = findDatasetDir(results.config.dataset, results.dataDir || undefined);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
  const out = flags.out ?? `${flags.study.replace(/\/+$/, '')}-quirks`;
  const folder = OutputFolder.prepare(out, { command: 'quirks', marker: FILES.record, files: Object.values(FILES), resume: null, force: flags.force });
  const session = await openSession(flags.runtime, { dataDir, datasetName: results.config.dataset, browser: flags.browser });
  try {
    const evaluations = new Map<string, FinalEvaluation>();
    for (const run of results.runs.filter((r) => r.status === 'complete')) {
      const file = join(flags.study, runWeightsFile(run.variant, run.seed));
      if (!existsSync(file)) throw new CliError(`${file} is missing: the study's final weights are needed`, EXIT.usage);
      const weights = readFileSync(file);
      const opened = await session.call<OpenedRun>('open', {
        dataset: { name: results.config.dataset, url: session.datasetUrl }, variant: run.variant,
        variantOverrides: variantOverrides(results.config, run.variant), options: trainerOptions({ ...results.config, quirks: true }, run.seed),
      } satisfies OpenRun);
      await session.call('loadWeights', opened.id, weights.toString('base64'), file);
      const e = await session.call<FinalEvaluation>('evaluate', opened.id);
      await session.call('close', opened.id);
      evaluations.set(`${run.variant}/${run.seed}`, e);
      console.log(`quirks: ${run.variant} seed ${run.seed}: test ${percent(run.epochs.at(-1)?.testAccuracy)} → ${percent(e.testAccuracy)} with --quirks`);
    }
    const quirks = counterpart(results, evaluations);
    const [a, b] = [analysisOf(results), analysisOf(quirks)];
    folder.write(FILES.record, `${JSON.stringify({
      format: 'lenet-webgpu-quirks/1', study: flags.study, adapter: await session.adapter(), command: process.argv.slice(2).join(' '),
      runs: [...evaluations].map(([key, quirksEvaluation]) => {
        const [variant, seed] = key.split('/');
        const last = results.runs.find((r) => r.variant === variant && String(r.seed) === seed)!.epochs.at(-1)!;
        return { variant, seed: Number(seed), correct: { validationAccuracy: last.validationAccuracy, testAccuracy: last.testAccuracy }, quirks: quirksEvaluation };
      }),
      statistics: { correct: a.statistics, quirks: b.statistics },
      verdicts: { correct: a.verdicts.slice(0, MOVED), quirks: b.verdicts.slice(0, MOVED) },
    }, null, 2)}\n`);
    folder.write(FILES.report, report(flags.study, out, results, a, b));
    console.log(`quirks: wrote ${folder.path(FILES.report)} and ${FILES.record}`);
    return EXIT.ok;
  } catch (error) {
    throw session.explain(error);
  } finally {
    await session.close();
  }
}

await runCommand('quirks', main);
