/** The finished study's files: the summary in results.json, results.csv, the figures and REPORT.md. */
import { join } from 'node:path';
import { figureRequest } from './report/charts.ts';
import { renderReport } from './report/markdown.ts';
import { summarize } from './report/summary.ts';
import { CLASSES } from '../src/model/lenet.ts';
import { analyze, type Analysis } from '../src/study/claims.ts';
import type { BrowserSession } from './session.ts';
import { toCsv, writeAtomic, type StudyResults } from './study-results.ts';

/** Writes everything; returns how many figures. */
export async function writeOutputs(s: BrowserSession, results: StudyResults, out: string, save: () => void): Promise<number> {
  results.status = results.runs.some((r) => r.status === 'diverged') ? 'diverged' : 'complete';
  results.summary = summarize(results.runs);
  const { statistics, comparisons, warnings, claims, verdicts, bestValidation } = analysisOf(results);
  Object.assign(results, { statistics, comparisons, warnings, claims, verdicts, bestValidation });
  const figures = await s.call<Record<string, string>>('renderFigures', figureRequest(results));
  for (const [file, png] of Object.entries(figures)) writeAtomic(join(out, file), Buffer.from(png, 'base64'));
  save();
  writeAtomic(join(out, 'results.csv'), toCsv(results));
  writeAtomic(join(out, 'REPORT.md'), renderReport(results));
  return Object.keys(figures).length;
}

/** The claims module's reading of the runs (src/study/claims.ts): the report states only what it supports. */
export function analysisOf(results: StudyResults): Analysis {
  const sizes = results.sizes ?? { train: 0, validation: 0, test: 0 };
  return analyze({ variants: results.config.variants, runs: results.runs, sizes, classes: CLASSES, quirks: results.config.quirks });
}
