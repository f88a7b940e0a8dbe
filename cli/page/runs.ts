/**
 * The page side of the train and study commands: keeps one Trainer per run open so Node can train
 * it an epoch (or a step budget) at a time, checkpoint it after each call, stop it at a step
 * boundary (Ctrl-C) and restore it on --resume; also renders the study's figures. Node calls these
 * through BrowserSession.call().
 */
import { variant, type Variant, type VariantName } from '../../src/model/variants.ts';
import type { TrainerOptionsInput } from '../../src/train/options.ts';
import { DivergenceError } from '../../src/train/errors.ts';
import { Trainer } from '../../src/train/trainer.ts';
import type { EpochMetrics, EvaluationProgress, Progress } from '../../src/train/types.ts';
import { renderFigures } from './figures.ts';
import { adapter, engine, fromBase64, residentDataset, toBase64 } from './engine.ts';

export interface OpenRun {
  dataset: { name: string; url: string };
  variant: VariantName;
  variantOverrides: Partial<Omit<Variant, 'name'>>;
  options: Omit<TrainerOptionsInput, 'variant'>;
  /** A checkpoint from saveCheckpoint(), base64, to continue from, and the file it came from (for errors). */
  checkpoint?: string;
  checkpointFile?: string;
}

export interface OpenedRun {
  id: number;
  stepsPerEpoch: number;
  /** Images in each split. */
  sizes: { train: number; validation: number; test: number };
  parameterCount: number;
  /** Epochs already trained (those of the checkpoint), and steps in all. */
  history: EpochMetrics[];
  globalStep: number;
}

/** Where a trainEpoch() call left the run: its epoch's metrics if it finished one, and a checkpoint of where it stands. */
export type EpochOutcome =
  | { metrics: EpochMetrics | null; globalStep: number; stopped: boolean; checkpoint: string }
  | { diverged: string };

export interface FinalEvaluation {
  validationLoss: number | null;
  validationAccuracy: number | null;
  testLoss: number;
  testAccuracy: number;
}

const runs = new Map<number, Trainer>();
let nextId = 1;

function trainer(id: number): Trainer {
  const t = runs.get(id);
  if (!t) throw new Error(`no open run ${id}`);
  return t;
}

async function open(run: OpenRun): Promise<OpenedRun> {
  const g = await engine();
  const t = new Trainer(g, await residentDataset(run.dataset.name, run.dataset.url), { ...run.options, variant: variant(run.variant, run.variantOverrides) });
  try {
    if (run.checkpoint) t.loadCheckpoint(fromBase64(run.checkpoint), run.checkpointFile);
  } catch (error) {
    t.dispose();
    throw error;
  }
  // The session's report functions (cli/session.ts, RunnerSession.bridges).
  const bridge = globalThis as unknown as { reportProgress?: (p: Progress) => void; reportEvaluation?: (p: EvaluationProgress) => void };
  t.on('progress', (p) => bridge.reportProgress?.(p));
  t.on('evaluation', (p) => bridge.reportEvaluation?.(p));
  const id = nextId++;
  runs.set(id, t);
  const { testLimit, validationSize } = t.options;
  const test = testLimit > 0 ? Math.min(testLimit, t.data.test.count) : t.data.test.count;
  return {
    id, stepsPerEpoch: t.stepsPerEpoch, parameterCount: t.parameterCount, history: [...t.epochs], globalStep: t.globalStep,
    sizes: { train: t.trainSize, validation: validationSize, test },
  };
}

/**
 * Train to the end of the current epoch, or `maxSteps` steps if fewer, or until stop(); a loss
 * that diverged is an outcome to record, not a failure of the command.
 */
async function trainEpoch(id: number, maxSteps?: number): Promise<EpochOutcome> {
  const t = trainer(id);
  let result;
  try {
    result = await t.train({ epochs: t.epochs.length + 1, ...(maxSteps !== undefined && { steps: maxSteps }) });
  } catch (error) {
    if (error instanceof DivergenceError) return { diverged: error.message };
    throw error;
  }
  return { metrics: result.epochs.at(-1) ?? null, globalStep: t.globalStep, stopped: result.stopped, checkpoint: toBase64(await t.saveCheckpoint()) };
}

/** Stop a trainEpoch() in flight after the command buffer it is on (it returns with stopped: true). */
function stop(id: number): void {
  trainer(id).stop();
}

/** The model as it is now, on validation (if any) and test: for a run that ended mid-epoch. */
async function evaluate(id: number): Promise<FinalEvaluation> {
  const t = trainer(id);
  const validation = t.options.validationSize > 0 ? await t.evaluate('validation') : null;
  const test = await t.evaluate('test');
  return { validationLoss: validation?.loss ?? null, validationAccuracy: validation?.accuracy ?? null, testLoss: test.loss, testAccuracy: test.accuracy };
}

/** Replace the run's model with exported weights (base64 .safetensors from `file`), e.g. to evaluate them another way. */
function loadWeights(id: number, weights: string, file: string): void {
  trainer(id).importWeights(fromBase64(weights), file);
}

async function weights(id: number, metadata: Record<string, string>): Promise<string> {
  return toBase64(await trainer(id).exportWeights(metadata));
}

function close(id: number): void {
  runs.get(id)?.dispose();
  runs.delete(id);
}

(globalThis as unknown as { runner: unknown }).runner = { adapter, open, trainEpoch, stop, evaluate, loadWeights, weights, close, renderFigures };
