/** What a trainer reports: its events, evaluations and results (plain data, cloneable to a worker). */
import type { LayerKind } from '../model/lenet.ts';

/** One of the model's float32 tensors: its state_dict name, its PyTorch shape, its values row-major. */
export interface ModelTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** What one layer put out for one image (see Trainer.activations); shape without the batch dimension. */
export interface LayerActivation {
  /** The layer's name in lenetLayers() (conv1, bn1, act1, …, fc2), or 'input'. */
  layer: string;
  kind: LayerKind | 'input';
  shape: number[];
  data: Float32Array;
}

/**
 * Sent once per command buffer, i.e. every `stepsPerSubmit` steps (8 by default; set it to 1 for
 * an event per step, at some cost in speed on slow adapters), and after an epoch's last step.
 */
export interface Progress {
  variant: string;
  epoch: number;
  /** Steps done in this epoch, and the epoch's total. */
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  /** Training samples seen in this epoch. */
  samples: number;
  /** Running mean loss and accuracy over this epoch's training batches so far. */
  trainLoss: number;
  trainAccuracy: number;
  samplesPerSecond: number;
}

/**
 * Sent while a split is evaluated (after each epoch, or by evaluate()): the batches are submitted
 * in up to 16 command buffers, and each one's end is reported; the last report has
 * `images === total`.
 */
export interface EvaluationProgress {
  variant: string;
  split: 'validation' | 'test';
  /** Images evaluated so far, of the `total` this evaluation reads. */
  images: number;
  total: number;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  samples: number;
}

export interface EpochMetrics {
  variant: string;
  epoch: number;
  steps: number;
  trainLoss: number;
  trainAccuracy: number;
  validationLoss: number | null;
  validationAccuracy: number | null;
  testLoss: number;
  testAccuracy: number;
  /** Training time of the epoch (evaluation excluded). */
  trainSeconds: number;
  samplesPerSecond: number;
}

export interface TrainResult {
  epochs: EpochMetrics[];
  steps: number;
  stopped: boolean;
}

export interface TrainerEvents {
  /** Every `stepsPerSubmit` steps (default 8) and at the end of each epoch's steps. */
  progress: (p: Progress) => void;
  epoch: (m: EpochMetrics) => void;
  /** Once per command buffer of an evaluation (see EvaluationProgress). */
  evaluation: (p: EvaluationProgress) => void;
}

/** Where a run stands. */
export interface Position {
  epoch: number;
  /** Steps done in the current epoch. */
  stepInEpoch: number;
  globalStep: number;
}
