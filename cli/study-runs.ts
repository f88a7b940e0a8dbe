/**
 * Trains the study's runs (variant × seed) one epoch at a time in the page. After every epoch the
 * run's checkpoint goes to DIR/checkpoints/ and its metrics to results.json, so an interrupted
 * study continues (--resume) from the last finished epoch with the same numbers. Ctrl-C stops the
 * epoch in flight at a step boundary and checkpoints it there.
 */
import type { Interrupt } from './interrupt.ts';
import type { OutputFolder } from './output-folder.ts';
import type { EpochOutcome, OpenedRun, OpenRun } from './page/runs.ts';
import type { RunProgress } from './run-progress.ts';
import type { RunnerSession } from './session.ts';
import { trainerOptions, variantOverrides } from './study-config.ts';
import { checkpointFile, runWeightsFile } from './study-outputs.ts';
import type { RunRecord } from './run-record.ts';
import type { StudyResults } from './study-results.ts';

export interface RunsContext {
  folder: OutputFolder;
  /** Writes results.json. */
  save: () => void;
  progress: RunProgress;
  interrupt: Interrupt;
  /** Stop, as an interruption would, after this many epochs (for testing --resume). */
  stopAfter?: number;
}

const finished = (run: RunRecord) => run.status === 'complete' || run.status === 'diverged';

export async function trainRuns(s: RunnerSession, results: StudyResults, ctx: RunsContext): Promise<'done' | 'stopped' | 'interrupted'> {
  const { config } = results;
  const { folder } = ctx;
  const open = (run: RunRecord, checkpoint?: Buffer | null) => s.call<OpenedRun>('open', {
    dataset: { name: config.dataset, url: s.datasetUrl }, variant: run.variant, variantOverrides: variantOverrides(config, run.variant),
    options: trainerOptions(config, run.seed),
    ...(checkpoint && { checkpoint: checkpoint.toString('base64'), checkpointFile: folder.path(checkpointFile(run.variant, run.seed)) }),
  } satisfies OpenRun);

  // Build every variant's trainer once up front: a setting the data cannot take fails now, not hours in.
  let stepsPerEpoch = 0;
  for (const variant of config.variants) {
    const probe = await open(results.runs.find((r) => r.variant === variant)!);
    await s.call('close', probe.id);
    stepsPerEpoch = probe.stepsPerEpoch;
    results.sizes = probe.sizes;
  }
  ctx.save();

  const stepsPerRun = config.epochs * stepsPerEpoch;
  ctx.progress.start(results.runs.length * stepsPerRun,
    results.runs.reduce((n, r) => n + (finished(r) ? stepsPerRun : r.epochs.length * stepsPerEpoch), 0));
  let trained = 0;
  for (const [index, run] of results.runs.entries()) {
    if (finished(run)) continue;
    const checkpoint = checkpointFile(run.variant, run.seed);
    const weights = runWeightsFile(run.variant, run.seed);
    const opened = await open(run, folder.read(checkpoint));
    const label = `${run.variant} seed ${run.seed}`;
    ctx.progress.follow(label, config.epochs, index * stepsPerRun, opened.sizes);
    ctx.interrupt.whenRequested(() => void s.call('stop', opened.id).catch(() => {}));
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
      folder.write(checkpoint, Buffer.from(outcome.checkpoint, 'base64'));
      if (!outcome.metrics) {
        // Stopped mid-epoch (Ctrl-C): the checkpoint holds the steps done; results.json the epochs.
        await s.call('close', opened.id);
        return 'interrupted';
      }
      run.epochs.push(outcome.metrics);
      ctx.save();
      trained++;
      ctx.progress.epoch(label, config.epochs, outcome.metrics);
      if (ctx.interrupt.requested && run.epochs.length < config.epochs) {
        await s.call('close', opened.id);
        return 'interrupted';
      }
    }
    if (run.status === 'running') {
      const bytes = await s.call<string>('weights', opened.id, { seed: String(run.seed), epochs: String(config.epochs) });
      folder.write(weights, Buffer.from(bytes, 'base64'));
      Object.assign(run, { status: 'complete', weights });
    }
    ctx.save();
    folder.remove(checkpoint);
    await s.call('close', opened.id);
    ctx.progress.set((index + 1) * stepsPerRun);
  }
  return 'done';
}
