/**
 * Trains the study's runs (variant × seed) one epoch at a time in the page. After every epoch the
 * run's checkpoint goes to DIR/checkpoints/ and its metrics to results.json, so an interrupted
 * study continues (--resume) from the last finished epoch with the same numbers.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochOutcome, OpenedRun, OpenRun } from './page/study.ts';
import type { BrowserSession } from './session.ts';
import { trainerOptions, variantOverrides } from './study-config.ts';
import type { StudyProgress } from './study-progress.ts';
import type { RunRecord } from './run-record.ts';
import { writeAtomic, type StudyResults } from './study-results.ts';

export interface RunsContext {
  out: string;
  /** Writes results.json. */
  save: () => void;
  progress: StudyProgress;
  /** Stop, as an interruption would, after this many epochs (for testing --resume). */
  stopAfter?: number;
}

const weightsFile = (run: RunRecord): string => `${run.variant}-seed${run.seed}.safetensors`;
const finished = (run: RunRecord) => run.status === 'complete' || run.status === 'diverged';

export async function trainRuns(s: BrowserSession, results: StudyResults, ctx: RunsContext): Promise<'done' | 'stopped'> {
  const { config } = results;
  const checkpoints = join(ctx.out, 'checkpoints');
  const open = (run: RunRecord, checkpoint?: string) => s.call<OpenedRun>('open', {
    dataset: { name: config.dataset, url: s.datasetUrl }, variant: run.variant, variantOverrides: variantOverrides(config, run.variant),
    options: trainerOptions(config, run.seed), ...(checkpoint && { checkpoint }),
  } satisfies OpenRun);

  // Build every variant's trainer once up front: a setting the data cannot take fails now, not hours in.
  let stepsPerEpoch = 0;
  for (const variant of config.variants) {
    const probe = await open(results.runs.find((r) => r.variant === variant)!);
    await s.call('close', probe.id);
    stepsPerEpoch = probe.stepsPerEpoch;
    results.sizes = probe.sizes;
  }
  mkdirSync(checkpoints, { recursive: true });
  ctx.save();

  const stepsPerRun = config.epochs * stepsPerEpoch;
  ctx.progress.start(results.runs.length * stepsPerRun,
    results.runs.reduce((n, r) => n + (finished(r) ? stepsPerRun : r.epochs.length * stepsPerEpoch), 0));
  let trained = 0;
  for (const [index, run] of results.runs.entries()) {
    if (finished(run)) continue;
    const checkpointFile = join(checkpoints, weightsFile(run));
    const opened = await open(run, existsSync(checkpointFile) ? readFileSync(checkpointFile).toString('base64') : undefined);
    const label = `${run.variant} seed ${run.seed}`;
    ctx.progress.follow(label, config.epochs, index * stepsPerRun);
    // The checkpoint is the truth about what is trained (it may be one epoch ahead of results.json).
    Object.assign(run, { status: 'running', epochs: opened.history, parameterCount: opened.parameterCount });
    ctx.save();
    while (run.epochs.length < config.epochs) {
      if (ctx.stopAfter !== undefined && trained >= ctx.stopAfter) {
        await s.call('close', opened.id);
        return 'stopped';
      }
      const outcome = await s.call<EpochOutcome>('trainEpoch', opened.id);
      if ('diverged' in outcome) {
        Object.assign(run, { status: 'diverged', error: outcome.diverged });
        ctx.progress.log(`${label}: diverged — ${outcome.diverged}`);
        break;
      }
      writeAtomic(checkpointFile, Buffer.from(outcome.checkpoint, 'base64'));
      run.epochs.push(outcome.metrics);
      ctx.save();
      trained++;
      ctx.progress.epoch(label, config.epochs, outcome.metrics);
    }
    if (run.status === 'running') {
      const weights = await s.call<string>('weights', opened.id, { seed: String(run.seed), epochs: String(config.epochs) });
      writeAtomic(join(ctx.out, weightsFile(run)), Buffer.from(weights, 'base64'));
      Object.assign(run, { status: 'complete', weights: weightsFile(run) });
    }
    ctx.save();
    rmSync(checkpointFile, { force: true });
    await s.call('close', opened.id);
    ctx.progress.set((index + 1) * stepsPerRun);
  }
  rmSync(checkpoints, { recursive: true, force: true });
  return 'done';
}
