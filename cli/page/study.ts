/**
 * The page side of the study command: keeps one Trainer per (variant, seed) run open so Node can
 * train it an epoch at a time, checkpoint it after each epoch and restore it on --resume; also
 * renders the report's figures. Node calls these through BrowserSession.call().
 */
import { variant, type Variant, type VariantName } from '../../src/model/variants.ts';
import type { TrainerOptionsInput } from '../../src/train/options.ts';
import { DivergenceError } from '../../src/train/errors.ts';
import { Trainer } from '../../src/train/trainer.ts';
import type { EpochMetrics, Progress } from '../../src/train/types.ts';
import { renderFigures } from './figures.ts';
import { adapter, engine, fromBase64, residentDataset, toBase64 } from './engine.ts';

export interface OpenRun {
  dataset: { name: string; url: string };
  variant: VariantName;
  variantOverrides: Partial<Omit<Variant, 'name'>>;
  options: Omit<TrainerOptionsInput, 'variant'>;
  /** A checkpoint from saveCheckpoint(), base64, to continue from. */
  checkpoint?: string;
}

export interface OpenedRun {
  id: number;
  stepsPerEpoch: number;
  /** Images in each split. */
  sizes: { train: number; validation: number; test: number };
  parameterCount: number;
  /** Epochs already trained (those of the checkpoint). */
  history: EpochMetrics[];
}

export type EpochOutcome =
  | { metrics: EpochMetrics; checkpoint: string }
  | { diverged: string };

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
    if (run.checkpoint) t.loadCheckpoint(fromBase64(run.checkpoint));
  } catch (error) {
    t.dispose();
    throw error;
  }
  const bridge = globalThis as unknown as { reportProgress?: (p: Progress) => void };
  t.on('progress', (p) => bridge.reportProgress?.(p));
  const id = nextId++;
  runs.set(id, t);
  const { testLimit, validationSize } = t.options;
  const test = testLimit > 0 ? Math.min(testLimit, t.data.test.count) : t.data.test.count;
  return {
    id, stepsPerEpoch: t.stepsPerEpoch, parameterCount: t.parameterCount, history: [...t.epochs],
    sizes: { train: t.trainSize, validation: validationSize, test },
  };
}

/** Train one more epoch; a loss that became NaN/Inf is an outcome to record, not a failure of the study. */
async function trainEpoch(id: number): Promise<EpochOutcome> {
  const t = trainer(id);
  try {
    await t.train({ epochs: t.epochs.length + 1 });
  } catch (error) {
    if (error instanceof DivergenceError) return { diverged: error.message };
    throw error;
  }
  return { metrics: t.epochs.at(-1)!, checkpoint: toBase64(await t.saveCheckpoint()) };
}

async function weights(id: number, metadata: Record<string, string>): Promise<string> {
  return toBase64(await trainer(id).exportWeights(metadata));
}

function close(id: number): void {
  runs.get(id)?.dispose();
  runs.delete(id);
}

(globalThis as unknown as { runner: unknown }).runner = { adapter, open, trainEpoch, weights, close, renderFigures };
