/**
 * The engine's side of the benchmark, in the page: one Trainer per (variant, batch), timed to the
 * GPU's completion (train() and evaluate() resolve only after their readbacks), plus the memory
 * each trainer allocates and the submits/readbacks of a whole epoch.
 */
import type { Gpu } from '../src/gpu/gpu.ts';
import { variant, type VariantName } from '../src/model/variants.ts';
import type { ResidentDataset } from '../src/data/resident.ts';
import { Trainer } from '../src/train/trainer.ts';
import { between, since, snapshot, type Counts } from './counters.ts';
import type { Timed } from './peer.ts';

export interface BufferGroup {
  label: string;
  buffers: number;
  bytes: number;
}

export interface MemoryReport {
  /** Bytes of every buffer the trainer allocated (the shared, resident dataset excluded). */
  totalBytes: number;
  buffers: BufferGroup[];
}

export interface OursConfig {
  variant: VariantName;
  batch: number;
  /** Use only the first N training images (0 = all); the split still holds out `validationSize`. */
  trainLimit: number;
  validationSize: number;
  testLimit: number;
  evalBatch: number;
  seed: number;
}

/** Group the buffers created between two snapshots of gpu.trackedBuffers by label. */
function memoryOf(gpu: Gpu, before: ReadonlySet<GPUBuffer>): MemoryReport {
  const groups = new Map<string, BufferGroup>();
  let totalBytes = 0;
  for (const b of gpu.trackedBuffers) {
    if (before.has(b)) continue;
    const g = groups.get(b.label) ?? { label: b.label, buffers: 0, bytes: 0 };
    g.buffers++;
    g.bytes += b.size;
    totalBytes += b.size;
    groups.set(b.label, g);
  }
  return { totalBytes, buffers: [...groups.values()].sort((a, b) => b.bytes - a.bytes) };
}

export class OursRun {
  readonly memory: MemoryReport;
  private readonly trainer: Trainer;

  constructor(gpu: Gpu, data: ResidentDataset, readonly config: OursConfig) {
    const before = new Set(gpu.trackedBuffers);
    this.trainer = new Trainer(gpu, data, {
      variant: variant(config.variant), batchSize: config.batch, seed: config.seed,
      trainLimit: config.trainLimit, validationSize: config.validationSize, testLimit: config.testLimit, evalBatchSize: config.evalBatch, dropLast: true,
    });
    this.memory = memoryOf(gpu, before);
  }

  /** `steps` training steps inside the first epoch (an epoch's end would add its evaluation). */
  async train(steps: number): Promise<Timed> {
    const left = this.trainer.stepsPerEpoch - this.trainer.globalStep;
    if (steps >= left) {
      throw new RangeError(`${steps} more steps would finish the epoch (${left} left of ${this.trainer.stepsPerEpoch}); use more training images or fewer steps`);
    }
    const counts = snapshot();
    const started = performance.now();
    await this.trainer.train({ steps });
    return { seconds: (performance.now() - started) / 1000, counts: since(counts) };
  }

  /** Loss and accuracy over the test set in eval mode (batches of the trainer's eval batch size). */
  async infer(): Promise<Timed & { samples: number }> {
    const counts = snapshot();
    const started = performance.now();
    const result = await this.trainer.evaluate('test');
    return { seconds: (performance.now() - started) / 1000, counts: since(counts), samples: result.samples };
  }

  /** Test accuracy (eval mode) over the first `testLimit` test images. */
  async accuracy(): Promise<number> {
    return (await this.trainer.evaluate('test')).accuracy;
  }

  dispose(): void {
    this.trainer.dispose();
  }
}

export interface EpochReport {
  trainImages: number;
  batch: number;
  steps: number;
  stepsPerSubmit: number;
  /** Training time of each epoch as the trainer measures it (its evaluation excluded). */
  trainSeconds: number[];
  /** Submits and readbacks while training each epoch, and in its end-of-epoch evaluation. */
  training: Counts[];
  evaluation: Counts[];
  testAccuracy: number[];
}

/** Train the baseline for `epochs` epochs, splitting each epoch's GPU traffic at its last step. */
export async function epochs(gpu: Gpu, data: ResidentDataset, config: OursConfig, count: number): Promise<EpochReport> {
  const trainer = new Trainer(gpu, data, {
    variant: variant(config.variant), batchSize: config.batch, seed: config.seed,
    trainLimit: config.trainLimit, validationSize: config.validationSize, testLimit: config.testLimit, evalBatchSize: config.evalBatch,
  });
  const report: EpochReport = {
    trainImages: trainer.trainSize, batch: config.batch, steps: trainer.stepsPerEpoch, stepsPerSubmit: trainer.options.stepsPerSubmit,
    trainSeconds: [], training: [], evaluation: [], testAccuracy: [],
  };
  let start = snapshot();
  let trained = start;
  trainer.on('progress', (p) => {
    if (p.step === p.stepsPerEpoch) trained = snapshot();
  });
  trainer.on('epoch', (m) => {
    report.training.push(between(start, trained));
    report.evaluation.push(since(trained));
    report.trainSeconds.push(m.trainSeconds);
    report.testAccuracy.push(m.testAccuracy);
    start = snapshot();
  });
  try {
    await trainer.train({ epochs: count });
  } finally {
    trainer.dispose();
  }
  return report;
}
