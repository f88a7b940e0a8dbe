/**
 * results.json: the study's record and its resume state at once. It is rewritten (atomically)
 * after every epoch, so an interrupted study loses at most the epoch in progress.
 */
import { existsSync } from 'node:fs';
import { readRecordFile } from './record-file.ts';
import type { AdapterReport } from './session.ts';
import type { StudyConfig } from './study-config.ts';
import type { VariantSummary } from './report/summary.ts';
import type { Analysis } from '../src/study/claims.ts';
import type { RunRecord } from './run-record.ts';

export const RESULTS_FORMAT = 'lenet-webgpu-study/1';

export interface StudyResults {
  format: typeof RESULTS_FORMAT;
  status: 'running' | 'complete' | 'diverged';
  config: StudyConfig;
  /** Where the dataset was read from (--resume reads it there again unless given --data-dir). */
  dataDir: string;
  /** Images per split (after --train-limit/--test-limit and the validation split). */
  sizes: { train: number; validation: number; test: number } | null;
  adapter: AdapterReport | null;
  versions: Record<string, string>;
  /** The command lines that made these results (one more per --resume). */
  commands: string[];
  startedAt: string;
  updatedAt: string;
  /** Wall time of all invocations together, browser start-up and evaluation included. */
  wallSeconds: number;
  runs: RunRecord[];
  /** Final-epoch metrics per variant over its completed seeds; written when the study ends. */
  summary: Record<string, VariantSummary> | null;
  /** Per variant and metric: {n, mean, std, ci95, basis} over seeds (src/study/claims.ts); at the end. */
  statistics?: Analysis['statistics'];
  /** Every pair of variants per accuracy: the difference with its 95% interval and whether it is established. */
  comparisons?: Analysis['comparisons'];
  /** What limits the conclusions (tiny budget, one epoch or seed, near chance, divergence); [] when nothing. */
  warnings?: string[];
  /** The sentences the numbers support, as REPORT.md states them. */
  claims?: string[];
  /** The original study's conclusions, each supported / not established / contradicted, with the evidence. */
  verdicts?: Analysis['verdicts'];
  /** Each variant's best-validation epoch and its test accuracy there. */
  bestValidation?: Analysis['bestValidation'];
}

export function newResults(config: StudyConfig, versions: Record<string, string>): StudyResults {
  const now = new Date().toISOString();
  return {
    format: RESULTS_FORMAT, status: 'running', config, dataDir: '', sizes: null, adapter: null, versions, commands: [], startedAt: now, updatedAt: now,
    wallSeconds: 0, summary: null,
    runs: config.variants.flatMap((variant) => config.seeds.map((seed): RunRecord => ({
      variant, seed, status: 'pending', epochs: [], parameterCount: null, weights: null, error: null,
    }))),
  };
}

/** The study in `file`, null if there is none, or a CliError (exit 2) naming the file and what is wrong. */
export function readResults(file: string): StudyResults | null {
  if (!existsSync(file)) return null;
  return readRecordFile<StudyResults>(file, { format: RESULTS_FORMAT, of: 'study', fields: { config: 'object', runs: 'array', commands: 'array' } });
}

const CSV_COLUMNS = ['variant', 'seed', 'status', 'epoch', 'steps', 'trainLoss', 'trainAccuracy', 'validationLoss', 'validationAccuracy',
  'testLoss', 'testAccuracy', 'trainSeconds', 'samplesPerSecond'] as const;

/** One row per epoch of every run (variant names and statuses are plain words: no quoting needed). */
export function toCsv(results: StudyResults): string {
  const rows = results.runs.flatMap((run) => run.epochs.map((e) =>
    CSV_COLUMNS.map((c) => (c === 'seed' ? run.seed : c === 'status' ? run.status : e[c]) ?? '').join(',')));
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}
