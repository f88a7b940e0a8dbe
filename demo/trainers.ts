/**
 * The run's trainers, off the main thread: one TrainingWorker holding the GPU device, one resident
 * copy of the dataset and every variant's Trainer (added to it), so the page only draws. All
 * pipelines are compiled (asynchronously) before the first step, as a stage of its own.
 */
import type { Dataset } from '../src/data/dataset.ts';
import type { LabelledImages } from '../src/data/idx.ts';
import type { VariantName } from '../src/model/variants.ts';
import { TrainingWorker } from '../src/worker/client.ts';
import { splitSizes, testSize, trainerOptions, type Settings } from './settings.ts';

export interface RunTrainers {
  trainers: Map<VariantName, TrainingWorker>;
  /** Pipelines compiled before training, and how long that took (not counted in samples/s). */
  pipelines: number;
  compileSeconds: number;
}

export type Stage = 'starting' | 'compiling';

/**
 * Start the worker with the dataset (copied to it once), add every variant's trainer (a refused
 * option stops the run before it begins), then compile every pipeline.
 */
export async function startTrainers(dataset: Dataset, settings: Settings, stage: (s: Stage) => void): Promise<RunTrainers> {
  const trainers = new Map<VariantName, TrainingWorker>();
  const [first, ...rest] = settings.variants;
  stage('starting');
  const options = (name: VariantName) => trainerOptions(settings, name, dataset.train.count);
  const head = await TrainingWorker.create({ dataset: runImages(dataset, settings), transferDataset: true, options: options(first!) });
  trainers.set(first!, head);
  try {
    for (const name of rest) trainers.set(name, await head.addTrainer(options(name)));
    stage('compiling');
    const started = performance.now();
    const pipelines = await head.compile();
    return { trainers, pipelines, compileSeconds: (performance.now() - started) / 1000 };
  } catch (error) {
    await disposeTrainers(trainers);
    throw error;
  }
}

/**
 * A copy of just the images the run uses: the engine draws train and validation from the first
 * train + validation images, and tests the first test images, so the numbers are the same as with
 * the whole dataset, and the page hands the worker megabytes, not tens of them.
 */
export function runImages(dataset: Dataset, settings: Settings): Dataset {
  const { train, validation } = splitSizes(settings, dataset.train.count);
  const first = (images: LabelledImages, count: number): LabelledImages => ({
    ...images, count, images: images.images.slice(0, count * images.rows * images.cols), labels: images.labels.slice(0, count),
  });
  return { ...dataset, train: first(dataset.train, train + validation), test: first(dataset.test, testSize(settings, dataset.test.count)) };
}

/** Free every trainer; the last one ends the worker and its device. */
export async function disposeTrainers(trainers: ReadonlyMap<VariantName, TrainingWorker>): Promise<void> {
  for (const t of trainers.values()) await t.dispose();
}
