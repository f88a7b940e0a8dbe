/**
 * Evaluation and prediction: a split's batches recorded a command buffer at a time, loss and
 * correct counts accumulated on the GPU and read once at the end; predicted classes copied into
 * one result tensor.
 */
import type { Gpu } from '../gpu/gpu.ts';
import type { Tensor } from '../gpu/tensor.ts';
import { METRICS } from '../ops/index.ts';
import { pcgHash, SeededRandom } from '../random.ts';
import type { TrainerOptions } from './options.ts';
import type { DataSource } from './plan.ts';
import type { TrainerPlans } from './plans.ts';
import type { StepSubmitter, ScheduledStep } from './submit.ts';
import type { Evaluation, EvaluationProgress } from './types.ts';
import type { Workspace } from './workspace.ts';

/** Loss and accuracy from the metrics accumulators. */
export function evaluationOf(metrics: Float32Array): Evaluation {
  const samples = metrics[METRICS.samples]!;
  return { loss: metrics[METRICS.lossSum]! / samples, accuracy: metrics[METRICS.correct]! / samples, samples };
}

/** An evaluation is split into about this many command buffers, each ending in a progress report. */
export const EVALUATION_REPORTS = 16;

export interface EvaluatorParts {
  plans: TrainerPlans;
  submitter: StepSubmitter;
  workspace: Workspace;
  evalMetrics: Tensor;
  /** The validation split's indices, the order its source is restored to after a quirks shuffle. */
  validationIndices: Uint32Array;
  own<T>(allocate: () => T): T;
  /** Hears an evaluation's progress, once per command buffer. */
  report(p: EvaluationProgress): void;
}

export class Evaluator {
  constructor(private readonly gpu: Gpu, private readonly options: TrainerOptions, private readonly parts: EvaluatorParts) {}

  /** The first `count` images of `source` (eval mode unless the quirks option is on), after `epoch` epochs. */
  async evaluate(source: DataSource, count: number, epoch: number): Promise<Evaluation> {
    const o = this.options;
    const { plans, submitter, evalMetrics, validationIndices } = this.parts;
    // The original evaluated shuffled batches of the training batch size with batch statistics.
    const batchSize = o.quirks ? o.batchSize : o.evalBatchSize;
    if (o.quirks) {
      const order = Uint32Array.from({ length: count }, (_, i) => (source.name === 'validation' ? validationIndices[i]! : i));
      new SeededRandom(pcgHash(o.seed + 0x51ed + epoch)).shuffle(order);
      this.gpu.write(source.order, order);
    }
    this.gpu.device.queue.writeBuffer(evalMetrics.buffer, 0, new Float32Array(METRICS.length));
    const steps: ScheduledStep[] = [];
    for (let i = 0; i < Math.ceil(count / batchSize); i++) {
      const batch = Math.min(batchSize, count - i * batchSize);
      // Dropout in quirks mode draws from a counter range training never uses.
      const values = { step: 0x80000000 + i, seed: o.seed + epoch, lr: 0, batch_start: i * batchSize };
      steps.push({ values, dispatches: plans.evaluate(source, batch) });
    }
    const split = source.name === 'validation' ? 'validation' : 'test';
    const report = (done: number) => this.parts.report({ variant: o.variant.name, split, images: Math.min(done * batchSize, count), total: count });
    const done = submitter.submitAll(steps, evalMetrics, { perSubmit: Math.ceil(steps.length / EVALUATION_REPORTS), onDone: report });
    if (o.quirks && source.name === 'validation') this.gpu.write(source.order, validationIndices);
    if (o.quirks && source.name === 'test') this.gpu.write(source.order, Uint32Array.from({ length: count }, (_, i) => i));
    return evaluationOf(await done);
  }

  /** Predicted classes (eval mode) of the first `count` images of `source`. */
  async predict(source: DataSource, count: number): Promise<Uint32Array> {
    const { plans, submitter, workspace, evalMetrics, own } = this.parts;
    const result = this.gpu.tensor('predictions', [count], 'u32');
    try {
      const batchSize = this.options.evalBatchSize;
      const steps: ScheduledStep[] = [];
      for (let start = 0; start < count; start += batchSize) {
        const batch = Math.min(batchSize, count - start);
        const out = own(() => workspace.get('predictions', batch, [], 'u32'));
        steps.push({
          values: { step: 0, seed: 0, lr: 0, batch_start: start },
          dispatches: plans.predict(source, batch, out),
          copy: { from: out, to: result, toOffset: start * 4 },
        });
      }
      await submitter.submitAll(steps, evalMetrics);
      return await this.gpu.read(result) as Uint32Array;
    } finally {
      this.gpu.release(result);
    }
  }
}
