/** Public API of the engine. */
export { Gpu, DeviceLostError, type DeviceLostInfo } from './gpu/gpu.ts';
export { WebGPUUnavailableError, acquireDevice, type AcquireOptions, type AdapterDescription } from './gpu/device.ts';
export { Tensor } from './gpu/tensor.ts';
export * from './ops/index.ts';
export { Trainer } from './train/trainer.ts';
export { DivergenceError, TrainerStateError } from './train/errors.ts';
export type { EpochMetrics, Progress, EvaluationProgress, Evaluation, TrainResult, TrainerEvents, ModelTensor, LayerActivation } from './train/types.ts';
export { uploadDataset, disposeDataset, type ResidentDataset } from './data/resident.ts';
export { resolveOptions, DEFAULT_OPTIONS, DEFAULT_OPTIMIZER, OPTIMIZER_KINDS, type TrainerOptions, type TrainerOptionsInput, type OptimizerConfig } from './train/options.ts';
export { variant, VARIANT_NAMES, STUDY_DEFAULTS, type Variant, type VariantName } from './model/variants.ts';
export { lenetLayers, lenetParameters, parameterCount, initialParameters, type LayerSpec } from './model/lenet.ts';
export { datasetFromBytes, datasetFromUrl, datasetFromBlobs, splitTrainValidation, IDX_FILES, CLASS_NAMES, type Dataset } from './data/dataset.ts';
export { DatasetError, type LabelledImages } from './data/idx.ts';
export { encodeSafetensors, decodeSafetensors, SafetensorsError } from './io/safetensors.ts';
export { TrainingWorker, type TrainingWorkerOptions } from './worker/client.ts';
export type { DatasetSource, WorkerReady } from './worker/protocol.ts';
