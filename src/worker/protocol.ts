/** What crosses between TrainingWorker (the page) and the worker script: plain, cloneable data only. */
import type { AdapterDescription } from '../gpu/device.ts';
import type { Dataset } from '../data/dataset.ts';
import type { TrainerOptions, TrainerOptionsInput } from '../train/options.ts';
import type { EpochMetrics, Progress } from '../train/types.ts';

/** A dataset already in memory (copied to the worker), or the folder URL of its four IDX files (fetched there). */
export type DatasetSource = Dataset | { name: string; url: string };

export interface WorkerSetup {
  dataset: DatasetSource;
  options: TrainerOptionsInput;
  powerPreference?: GPUPowerPreference;
}

/** What the worker's engine and trainer turned out to be. */
export interface WorkerReady {
  adapter: AdapterDescription;
  features: readonly string[];
  options: TrainerOptions;
  parameterCount: number;
  stepsPerEpoch: number;
  trainSize: number;
}

export type TrainerEvent = { type: 'progress'; value: Progress } | { type: 'epoch'; value: EpochMetrics };
