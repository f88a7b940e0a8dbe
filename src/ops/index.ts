/** Every op family, one module each, paired with its shader in shaders/. */
export { Tanh } from './tanh.ts';
export { AvgPool2d } from './pool.ts';
export { Dropout } from './dropout.ts';
export { BatchGather } from './batch-gather.ts';
export { Linear } from './linear.ts';
export { BatchNorm, type BatchNormConfig } from './batchnorm.ts';
export { Conv2d, type Conv2dConfig } from './conv2d.ts';
export { DivergenceTracker, METRICS } from './divergence-tracker.ts';
export { Adam, Sgd, type AdamConfig, type SgdConfig } from './optimizer.ts';
export { SoftmaxCrossEntropy } from './loss.ts';
export { TanhPool } from './tanh-pool.ts';
export { OpConfigError } from './validate.ts';
