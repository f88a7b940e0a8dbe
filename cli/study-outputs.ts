/** The finished study's files: the summary in results.json, results.csv, the figures and REPORT.md. */
import { curvesFile, figureRequest, SUMMARY_FILE } from './report/charts.ts';
import { renderReport } from './report/markdown.ts';
import { summarize } from './report/summary.ts';
import { CLASSES } from '../src/model/lenet.ts';
import { analyze, type Analysis } from '../src/study/claims.ts';
import type { RunnerSession } from './session.ts';
import type { OutputFolder } from './output-folder.ts';
import { toCsv, type StudyResults } from './study-results.ts';

/** Writes everything; returns how many figures. */
export async function writeOutputs(s: RunnerSession, results: StudyResults, folder: OutputFolder, save: () => void): Promise<number> {
  results.status = results.runs.some((r) => r.status === 'diverged') ? 'diverged' : 'complete';
  results.summary = summarize(results.runs);
  const { statistics, comparisons, warnings, claims, verdicts, bestValidation } = analysisOf(results);
  Object.assign(results, { statistics, comparisons, warnings, claims, verdicts, bestValidation });
  const figures = await s.call<Record<string, string>>('renderFigures', figureRequest(results));
  for (const [file, png] of Object.entries(figures)) folder.write(file, Buffer.from(png, 'base64'));
  save();
  folder.write('results.csv', toCsv(results));
  folder.write('REPORT.md', renderReport(results));
  return Object.keys(figures).length;
}

/** The claims module's reading of the runs (src/study/claims.ts): the report states only what it supports. */
export function analysisOf(results: StudyResults): Analysis {
  const sizes = results.sizes ?? { train: 0, validation: 0, test: 0 };
  return analyze({ variants: results.config.variants, runs: results.runs, sizes, classes: CLASSES, quirks: results.config.quirks });
}

/** Every file a study of `config` may write, for the --out check before it starts (cli/output-folder.ts). */
export function studyFiles(config: StudyResults['config']): string[] {
  const runs = config.variants.flatMap((v) => config.seeds.map((seed) => runWeightsFile(v, seed)));
  return ['results.json', 'results.csv', 'REPORT.md', SUMMARY_FILE, ...config.variants.map(curvesFile), ...runs, ...runs.map(checkpointFile)];
}

export const runWeightsFile = (variant: string, seed: number): string => `${variant}-seed${seed}.safetensors`;
export const checkpointFile = (variant: string, seed: number): string => `checkpoints/${runWeightsFile(variant, seed)}`;
