/**
 * The page side of the command-line tools: trains one variant in the browser's WebGPU and hands
 * progress and results back to Node (through functions Node exposes on window).
 */
import { variant, type Variant, type VariantName } from '../../src/model/variants.ts';
import type { TrainerOptionsInput } from '../../src/train/options.ts';
import { Trainer } from '../../src/train/trainer.ts';
import type { EpochMetrics, Evaluation, Progress } from '../../src/train/types.ts';
import { adapter, engine, residentDataset, toBase64 } from './engine.ts';

export interface RunConfig {
  dataset: { name: string; url: string };
  variant: VariantName;
  variantOverrides: Partial<Omit<Variant, 'name'>>;
  options: Omit<TrainerOptionsInput, 'variant'>;
  budget: { steps?: number; epochs?: number };
}

export interface RunResult {
  variant: Variant;
  parameterCount: number;
  stepsPerEpoch: number;
  trainSize: number;
  steps: number;
  epochs: EpochMetrics[];
  /** Metrics of the final model (after the last step). */
  final: { validationLoss: number | null; validationAccuracy: number | null; testLoss: number; testAccuracy: number };
  trainSeconds: number;
  samplesPerSecond: number;
  weightsBase64: string;
}

interface Bridge {
  reportProgress?: (p: Progress) => void;
  reportEpoch?: (m: EpochMetrics) => void;
}


async function train(config: RunConfig): Promise<RunResult> {
  const g = await engine();
  const data = await residentDataset(config.dataset.name, config.dataset.url);
  const bridge = globalThis as unknown as Bridge;
  const trainer = new Trainer(g, data, { ...config.options, variant: variant(config.variant, config.variantOverrides) });
  try {
    trainer.on('progress', (p) => bridge.reportProgress?.(p));
    trainer.on('epoch', (m) => bridge.reportEpoch?.(m));
    const started = performance.now();
    const result = await trainer.train(config.budget);
    const trainSeconds = result.epochs.reduce((s, e) => s + e.trainSeconds, 0) || (performance.now() - started) / 1000;
    const lastEpoch = result.epochs.at(-1);
    let final: RunResult['final'];
    if (lastEpoch && trainer.globalStep === lastEpoch.steps) {
      final = { validationLoss: lastEpoch.validationLoss, validationAccuracy: lastEpoch.validationAccuracy, testLoss: lastEpoch.testLoss, testAccuracy: lastEpoch.testAccuracy };
    } else {
      // The run ended mid-epoch: evaluate the model as it is now.
      const validation: Evaluation | null = trainer.options.validationSize > 0 ? await trainer.evaluate('validation') : null;
      const test = await trainer.evaluate('test');
      final = { validationLoss: validation?.loss ?? null, validationAccuracy: validation?.accuracy ?? null, testLoss: test.loss, testAccuracy: test.accuracy };
    }
    return {
      variant: trainer.options.variant,
      parameterCount: trainer.parameterCount,
      stepsPerEpoch: trainer.stepsPerEpoch,
      trainSize: trainer.trainSize,
      steps: trainer.globalStep,
      epochs: result.epochs,
      final,
      trainSeconds,
      samplesPerSecond: (result.steps * trainer.options.batchSize) / trainSeconds,
      weightsBase64: toBase64(await trainer.exportWeights()),
    };
  } finally {
    trainer.dispose();
  }
}

(globalThis as unknown as { runner: unknown }).runner = { adapter, train };
