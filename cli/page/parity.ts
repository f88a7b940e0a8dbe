/**
 * The page side of `npm run parity`: trains one variant in the browser's WebGPU one step per
 * submit and hands back what PyTorch needs to replay the run exactly — the initial weights, the
 * train/validation split's shuffled epoch orders — plus each step's loss and the final weights.
 * It also runs the real dropout shader once, so the Python mirror of its mask is checked against
 * the GPU and not only against the TypeScript mirror.
 */
import { splitTrainValidation } from '../../src/data/dataset.ts';
import { packStep } from '../../src/ops/step.ts';
import { BatchGather } from '../../src/ops/batch-gather.ts';
import { Dropout } from '../../src/ops/dropout.ts';
import { INPUT_SIZE } from '../../src/model/lenet.ts';
import { variant, type Variant, type VariantName } from '../../src/model/variants.ts';
import type { TrainerOptions, TrainerOptionsInput } from '../../src/train/options.ts';
import { epochOrder } from '../../src/train/shuffle.ts';
import { Trainer } from '../../src/train/trainer.ts';
import type { Progress } from '../../src/train/types.ts';
import { adapter, engine, residentDataset, toBase64 } from './engine.ts';

export interface ParityRunConfig {
  dataset: { name: string; url: string };
  variant: VariantName;
  options: Omit<TrainerOptionsInput, 'variant' | 'stepsPerSubmit'>;
  budget: { steps: number } | { epochs: number };
}

/** One training step as the engine reported it. */
export interface StepLoss {
  globalStep: number;
  /** Samples in this step's batch. */
  batch: number;
  /** Mean loss over the batch. */
  loss: number;
  /**
   * How exactly `loss` is known: the engine reports an f32 running sum over the epoch, so the
   * step's sum is read as the difference of two sums, and the addition of this step's sum was
   * rounded to half an ulp of the new running sum (divided by the batch: a mean-loss bound).
   */
  resolution: number;
}

export interface ParityRunResult {
  variant: Variant;
  /** The resolved options PyTorch must follow too. */
  protocol: Pick<TrainerOptions, 'optimizer' | 'normalization' | 'batchSize' | 'seed' | 'testLimit'>;
  stepsPerEpoch: number;
  trainSize: number;
  steps: number;
  /** The epoch orders the run used (indices into the training images), epoch 0 first. */
  epochOrders: number[][];
  initialWeightsBase64: string;
  finalWeightsBase64: string;
  losses: StepLoss[];
  /** Test accuracy after the last full epoch (only when the budget is in epochs). */
  testAccuracy: number | null;
}

/** Half an ulp of an f32 value: the rounding error of the addition that produced it. */
function halfUlpF32(x: number): number {
  const a = Math.abs(x);
  if (a === 0) return 0;
  return 2 ** (Math.floor(Math.log2(a)) - 24);
}

/**
 * Per-step losses from the cumulative progress reports (one per submit, one step per submit):
 * lossSum = trainLoss · samples restarts at 0 each epoch.
 */
function perStepLosses(reports: Progress[]): StepLoss[] {
  const losses: StepLoss[] = [];
  let previous = { sum: 0, samples: 0 };
  for (const p of reports) {
    if (p.step === 1) previous = { sum: 0, samples: 0 };
    const sum = p.trainLoss * p.samples;
    const batch = p.samples - previous.samples;
    losses.push({ globalStep: p.globalStep, batch, loss: (sum - previous.sum) / batch, resolution: halfUlpF32(sum) / batch });
    previous = { sum, samples: p.samples };
  }
  return losses;
}

async function trainForParity(config: ParityRunConfig): Promise<ParityRunResult> {
  const g = await engine();
  const data = await residentDataset(config.dataset.name, config.dataset.url);
  // One step per submit: every step gets its own progress report, hence its own loss.
  const trainer = new Trainer(g, data, { ...config.options, stepsPerSubmit: 1, variant: variant(config.variant) });
  try {
    const o = trainer.options;
    const available = o.trainLimit > 0 ? Math.min(o.trainLimit, data.train.count) : data.train.count;
    const split = splitTrainValidation(available, o.validationSize, o.seed);
    if (split.train.length !== trainer.trainSize) throw new Error(`split has ${split.train.length} training images, the trainer ${trainer.trainSize}`);
    const initialWeightsBase64 = toBase64(await trainer.exportWeights());
    const reports: Progress[] = [];
    trainer.on('progress', (p) => reports.push(p));
    const result = await trainer.train(config.budget);
    const epochs = Math.ceil(trainer.globalStep / trainer.stepsPerEpoch);
    const epochOrders = Array.from({ length: epochs }, (_, e) => Array.from(epochOrder(split.train, o.seed, e)));
    const losses = perStepLosses(reports);
    if (losses.length !== trainer.globalStep) throw new Error(`${losses.length} progress reports for ${trainer.globalStep} steps`);
    return {
      variant: o.variant,
      protocol: { optimizer: o.optimizer, normalization: o.normalization, batchSize: o.batchSize, seed: o.seed, testLimit: o.testLimit },
      stepsPerEpoch: trainer.stepsPerEpoch,
      trainSize: trainer.trainSize,
      steps: trainer.globalStep,
      epochOrders,
      initialWeightsBase64,
      finalWeightsBase64: toBase64(await trainer.exportWeights()),
      losses,
      testAccuracy: 'epochs' in config.budget ? result.epochs.at(-1)?.testAccuracy ?? null : null,
    };
  } finally {
    trainer.dispose();
  }
}

/** The dropout shader's keep mask (1 kept, 0 dropped) for one (seed, step, layer) over `count` elements. */
async function dropoutKeepMask(draw: { seed: number; step: number; layer: number; p: number; count: number }): Promise<number[]> {
  const g = await engine();
  const op = new Dropout(g, { shape: [draw.count], p: draw.p, layer: draw.layer });
  const x = g.tensor('parity.ones', [draw.count], 'f32', new Float32Array(draw.count).fill(1));
  const y = g.tensor('parity.dropped', [draw.count]);
  const step = g.uniform('parity.step', packStep({ step: draw.step, seed: draw.seed, lr: 0, batch_start: 0 }));
  try {
    g.run(op.forward(x, y, step));
    return Array.from(await g.read(y), (v) => (v !== 0 ? 1 : 0));
  } finally {
    for (const b of [x, y, step]) g.release(b);
  }
}

/**
 * The engine's normalised inputs for some training images, from the real gather shader, so the
 * torch side is checked to feed bit-identical inputs (pixel·scale + shift in f32; a fused
 * multiply-add would round differently from a separate multiply and add).
 */
async function gatheredInputs(request: { dataset: { name: string; url: string }; indices: number[]; normalization: { scale: number; shift: number } }): Promise<number[]> {
  const g = await engine();
  const data = await residentDataset(request.dataset.name, request.dataset.url);
  const batch = request.indices.length;
  const pixels = INPUT_SIZE * INPUT_SIZE;
  const op = new BatchGather(g, { batch, pixels, images: data.train.count, ...request.normalization });
  const order = g.tensor('parity.order', [batch], 'u32', request.indices);
  const x = g.tensor('parity.x', [batch, pixels]);
  const y = g.tensor('parity.y', [batch], 'u32');
  const step = g.uniform('parity.step', packStep({ step: 1, seed: 0, lr: 0, batch_start: 0 }));
  try {
    g.run(op.gather(data.train.pixels, data.train.labels, order, step, x, y));
    return Array.from(await g.read(x));
  } finally {
    for (const b of [order, x, y, step]) g.release(b);
  }
}

(globalThis as unknown as { runner: unknown }).runner = { adapter, trainForParity, dropoutKeepMask, gatheredInputs };
