/**
 * A parity run: each variant trained in the engine (headless Chromium's WebGPU) and in PyTorch
 * from the same initial weights, on the same batches in the same order, with the same dropout
 * masks; per-step losses and final weights compared.
 */
import type { VariantName } from '../../src/model/variants.ts';
import type { ParityRunResult } from '../page/parity.ts';
import { BrowserSession } from '../session.ts';
import { lossRelDiffs, maxOf, weightDiffs } from './compare.ts';
import { torchVersion, trainInTorch, type EvalCheck, type TorchJob } from './torch.ts';

export interface ParityOptions {
  variants: readonly VariantName[];
  /** Steps per variant; ignored when `epochs` is given. */
  steps: number;
  /** Full epochs instead of steps; then both sides' test accuracy is reported too. */
  epochs?: number;
  trainLimit: number;
  validationSize: number;
  testLimit: number;
  seed: number;
  dataDir: string;
  browser?: string;
  python?: string;
  onVariant?: (name: VariantName, report: VariantParity) => void;
}

export interface VariantParity {
  steps: number;
  maxLossRelDiff: number;
  /** max|engine − torch| / max|torch| per state_dict tensor (parameters, BN running statistics, num_batches_tracked). */
  finalParamMaxRelDiff: Record<string, number>;
  lossEngine: number[];
  lossTorch: number[];
  lossRelDiff: number[];
  /** Per step: how exactly the engine's loss is known (half an ulp of its f32 running sum / batch). */
  lossEngineResolution: number[];
  batchSizes: number[];
  /** Both final models' eval-mode logits on the first test images (computed in torch). */
  evalCheck: EvalCheck;
  /**
   * The control: torch in float64 against torch in float32, same run — how far f32 rounding alone
   * moves the losses, each tensor and the eval logits.
   */
  float64Control: { maxLossRelDiff: number; lossRelDiff: number[]; finalParamMaxRelDiff: Record<string, number>; evalCheck: EvalCheck };
  /** The first batch's normalised inputs, torch's against the engine's gather shader. */
  inputCheck: { count: number; mismatches: number; maxAbsDiff: number };
  /** Dropout only: the Python mirror of the mask against the GPU shader's mask. */
  dropoutMaskCheck?: { count: number; mismatches: number; kept: number };
  /** After `epochs` full epochs (null otherwise). */
  testAccuracy: { engine: number; torch: number } | null;
  seconds: { engine: number; torch: number };
}

export interface ParityReport {
  variants: Partial<Record<VariantName, VariantParity>>;
  torch: { version: string };
  adapter: unknown;
  options: Omit<ParityOptions, 'onVariant' | 'variants'> & { variants: VariantName[] };
}

/** One training batch of dropout input (64 × 16×5×5 elements): the mask the shader draws at step 1. */
const MASK_CHECK_ELEMENTS = 64 * 16 * 5 * 5;
/** Test images on which both final models' eval-mode logits are compared. */
const EVAL_CHECK_IMAGES = 1000;

export async function runParity(options: ParityOptions): Promise<ParityReport> {
  // Fail before the browser starts if torch is not there.
  const version = await torchVersion(options.python);
  const session = await BrowserSession.open({ dataDir: options.dataDir, datasetName: 'fashion-mnist', entry: 'cli/page/parity.ts', browser: options.browser });
  try {
    const adapter = await session.adapter();
    const { onVariant: _, ...settings } = options;
    const report: ParityReport = { variants: {}, torch: { version }, adapter: adapter.adapter, options: { ...settings, variants: [...options.variants] } };
    for (const name of options.variants) {
      const parity = await runVariant(session, name, options);
      report.variants[name] = parity;
      options.onVariant?.(name, parity);
    }
    return report;
  } finally {
    await session.close();
  }
}

async function runVariant(session: BrowserSession, name: VariantName, options: ParityOptions): Promise<VariantParity> {
  const started = performance.now();
  const engine = await session.call<ParityRunResult>('trainForParity', {
    dataset: { name: 'fashion-mnist', url: session.datasetUrl },
    variant: name,
    options: { seed: options.seed, trainLimit: options.trainLimit, validationSize: options.validationSize, testLimit: options.testLimit },
    budget: options.epochs !== undefined ? { epochs: options.epochs } : { steps: options.steps },
  });
  const engineSeconds = (performance.now() - started) / 1000;
  const v = engine.variant;
  const p = engine.protocol;
  const job: TorchJob = {
    dataDir: options.dataDir,
    seed: p.seed,
    variant: { dropout: v.dropout, batchNorm: v.batchNorm, weightDecay: v.weightDecay },
    optimizer: { lr: p.optimizer.lr, beta1: p.optimizer.beta1, beta2: p.optimizer.beta2, eps: p.optimizer.eps },
    normalization: p.normalization,
    batchSize: p.batchSize,
    stepsPerEpoch: engine.stepsPerEpoch,
    steps: engine.steps,
    epochOrders: engine.epochOrders,
    evaluateTest: options.epochs !== undefined,
    testLimit: p.testLimit,
    threads: 1,
    evalCheckImages: EVAL_CHECK_IMAGES,
  };
  if (p.optimizer.kind !== 'adam' || v.decoupledWeightDecay) throw new Error(`parity replays coupled Adam only, got ${p.optimizer.kind}`);
  const firstBatch = engine.epochOrders[0]!.slice(0, p.batchSize);
  job.inputCheck = {
    indices: firstBatch,
    engineInputs: await session.call<number[]>('gatheredInputs', { dataset: { name: 'fashion-mnist', url: session.datasetUrl }, indices: firstBatch, normalization: p.normalization }),
  };
  if (v.dropout > 0) {
    const draw = { seed: p.seed, step: 1, layer: 0, p: v.dropout };
    job.maskCheck = { ...draw, engineKeep: await session.call<number[]>('dropoutKeepMask', { ...draw, count: MASK_CHECK_ELEMENTS }) };
  }
  const torchStarted = performance.now();
  const engineFinal = Buffer.from(engine.finalWeightsBase64, 'base64');
  const torch = await trainInTorch(job, Buffer.from(engine.initialWeightsBase64, 'base64'), engineFinal, options.python);
  const torchSeconds = (performance.now() - torchStarted) / 1000;
  if (torch.inputCheck!.mismatches !== 0) {
    throw new Error(`inputs: torch's normalised pixels differ from the engine's gather in ${torch.inputCheck!.mismatches} of ${torch.inputCheck!.count} values (max ${torch.inputCheck!.maxAbsDiff})`);
  }
  if (torch.maskCheck && torch.maskCheck.mismatches !== 0) {
    throw new Error(`dropout: the numpy mirror's mask differs from the GPU shader's in ${torch.maskCheck.mismatches} of ${torch.maskCheck.count} elements`);
  }
  const lossEngine = engine.losses.map((s) => s.loss);
  const lossRelDiff = lossRelDiffs(lossEngine, torch.losses);
  return {
    steps: engine.steps,
    maxLossRelDiff: maxOf(lossRelDiff),
    finalParamMaxRelDiff: weightDiffs(engineFinal, torch.finalWeights),
    evalCheck: torch.evalCheck!,
    float64Control: {
      maxLossRelDiff: maxOf(lossRelDiffs(torch.losses, torch.lossesFloat64)),
      lossRelDiff: lossRelDiffs(torch.losses, torch.lossesFloat64),
      finalParamMaxRelDiff: weightDiffs(torch.finalWeights, torch.finalWeightsFloat64),
      evalCheck: torch.evalCheckFloat64!,
    },
    lossEngine,
    lossTorch: torch.losses,
    lossRelDiff,
    lossEngineResolution: engine.losses.map((s) => s.resolution),
    batchSizes: engine.losses.map((s) => s.batch),
    inputCheck: torch.inputCheck!,
    ...(torch.maskCheck && { dropoutMaskCheck: torch.maskCheck }),
    testAccuracy: engine.testAccuracy !== null && torch.testAccuracy !== null ? { engine: engine.testAccuracy, torch: torch.testAccuracy } : null,
    seconds: { engine: engineSeconds, torch: torchSeconds },
  };
}
