/**
 * npm run study -- --sweep dropout=0.1,0.3,0.5 [--sweep weight-decay=1e-4,1e-3,1e-2] [study options]
 * Each strength is a study of its own (one variant × the seeds) in OUT/<variant>=<strength>/, run
 * by this same command in a child process, so each resumes, checkpoints and reports like any
 * study. When all have finished, OUT/sweep.json, OUT/SWEEP.md and one figure per swept variant
 * put accuracy against strength with 95% intervals (src/study/sweep.ts says what they support).
 * Run it again with --resume to continue an interrupted sweep.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSweep, strengthDir, SWEEP_FORMAT, SWEEPABLE, type SweepResults, type SweepRun, type SweepSpec } from '../src/study/sweep.ts';
import { renderSweepReport, sweepFigure, sweepFigureFile } from './report/sweep.ts';
import type { RunnerSession } from './session.ts';
import { writeAtomic } from './output-folder.ts';
import { readResults } from './study-results.ts';

/** Options the sweep sets for each child study itself, so they are not passed through. */
const OWN_OPTIONS = ['--sweep', '--out', '--variants', '--dropout', '--weight-decay'];
const OWN_FLAGS = ['--resume'];

/** The command line's study options without those the sweep sets per strength. */
export function passThrough(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.split('=')[0]!;
    if (OWN_FLAGS.includes(arg)) continue;
    if (OWN_OPTIONS.includes(name)) {
      if (!arg.includes('=')) i++;
      continue;
    }
    kept.push(arg);
  }
  return kept;
}

/**
 * Runs (or resumes) every strength's study; returns the exit code of the first that failed, or 0.
 * A child's output goes straight to this terminal.
 */
export function runSweepStudies(specs: SweepSpec[], argv: readonly string[], out: string, script: string, resume: boolean): number {
  const started = specs.flatMap(({ variant, strengths }) => strengths.map((s) => join(out, strengthDir(variant, s), 'results.json'))).filter((f) => existsSync(f));
  if (!resume && started.length) {
    throw new Error(`${out} already holds this sweep's studies (${started[0]}); continue it with --resume or choose another --out`);
  }
  mkdirSync(out, { recursive: true });
  const common = passThrough(argv);
  for (const { variant, strengths } of specs) {
    for (const strength of strengths) {
      const dir = join(out, strengthDir(variant, strength));
      const stored = existsSync(join(dir, 'results.json')) ? readResults(join(dir, 'results.json')) : null;
      if (stored?.status === 'complete' || stored?.status === 'diverged') continue;
      const args = stored
        ? ['--resume', '--out', dir]
        : [...common, '--variants', variant, `--${variant === 'dropout' ? 'dropout' : 'weight-decay'}`, String(strength), '--out', dir];
      console.log(`sweep: ${variant} ${SWEEPABLE[variant].parameter} = ${strength} → ${dir}`);
      const child = spawnSync(process.execPath, [...process.execArgv, script, ...args], { stdio: 'inherit' });
      // 3: that strength diverged; its study is complete and the sweep reports it.
      if (child.status !== 0 && child.status !== 3) return child.status ?? 1;
    }
  }
  return 0;
}

/** Every finished strength's final accuracies, read from its results.json. */
export function collectSweep(spec: SweepSpec, out: string): SweepRun[] {
  return spec.strengths.map((strength) => {
    const results = readResults(join(out, strengthDir(spec.variant, strength), 'results.json'));
    const complete = results?.runs.filter((r) => r.status === 'complete') ?? [];
    const last = complete.map((r) => r.epochs.at(-1)!);
    return {
      strength,
      testAccuracies: last.map((e) => e.testAccuracy),
      validationAccuracies: last.flatMap((e) => (e.validationAccuracy === null ? [] : [e.validationAccuracy])),
      testImages: results?.sizes?.test ?? 0,
    };
  });
}

/** Writes sweep.json, SWEEP.md and the figures; returns the analyses. */
export async function writeSweepOutputs(session: RunnerSession, specs: SweepSpec[], out: string, command: string): Promise<SweepResults> {
  const sweeps = specs.map((spec) => {
    const runs = collectSweep(spec, out);
    return { ...analyzeSweep(spec.variant, runs.filter((r) => r.testImages > 0)), runs };
  });
  const warnings = [...new Set(specs.flatMap(({ variant, strengths }) => strengths.flatMap((strength) =>
    readResults(join(out, strengthDir(variant, strength), 'results.json'))?.warnings?.map((w) => `${strengthDir(variant, strength)}: ${w}`) ?? [])))];
  const results: SweepResults = { format: SWEEP_FORMAT, command, warnings, sweeps };
  const figures = await session.call<Record<string, string>>('renderFigures', { curves: sweeps.map(sweepFigure) });
  for (const [file, png] of Object.entries(figures)) writeAtomic(join(out, file), Buffer.from(png, 'base64'));
  writeAtomic(join(out, 'sweep.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeAtomic(join(out, 'SWEEP.md'), renderSweepReport(results, sweeps.map((s) => sweepFigureFile(s.variant))));
  return results;
}
