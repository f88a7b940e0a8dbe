/** What crosses between TrainingWorker (the page) and the worker script: plain, cloneable data only. */
import type { AdapterDescription } from '../gpu/device.ts';
import type { DeviceLostInfo } from '../gpu/gpu.ts';
import type { Dataset } from '../data/dataset.ts';
import type { TrainerOptions, TrainerOptionsInput } from '../train/options.ts';
import type { EpochMetrics, EvaluationProgress, Progress } from '../train/types.ts';

/** A dataset already in memory (copied to the worker), or the folder URL of its four IDX files (fetched there). */
export type DatasetSource = Dataset | { name: string; url: string };

export interface WorkerSetup {
  dataset: DatasetSource;
  options: TrainerOptionsInput;
  powerPreference?: GPUPowerPreference;
}

/** What one of the worker's trainers turned out to be (the engine's facts are the same for all). */
export interface WorkerReady {
  /** Which of the worker's trainers this is: 0 for the one setup() builds, then 1, 2, … */
  trainer: number;
  adapter: AdapterDescription;
  features: readonly string[];
  options: TrainerOptions;
  parameterCount: number;
  stepsPerEpoch: number;
  trainSize: number;
}

/** A trainer's event, tagged with the trainer it came from; or the loss of the worker's device. */
export type TrainerEvent =
  | { type: 'progress'; trainer: number; value: Progress }
  | { type: 'epoch'; trainer: number; value: EpochMetrics }
  | { type: 'evaluation'; trainer: number; value: EvaluationProgress }
  | { type: 'lost'; value: DeviceLostInfo };

/**
 * How the worker posts an event: on its own port, the one Comlink's replies use, so an event
 * always arrives before the reply of the call that caused it (a Comlink proxy callback has a port
 * of its own, and the page could see train() resolve before that epoch's event).
 */
export interface TrainerEventMessage {
  lenetTrainerEvent: TrainerEvent;
}
