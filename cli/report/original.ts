/** The original study's reported accuracies (../shared/DESIGN.md §1): PyTorch on CPU, 50 epochs, its evaluation quirks. */
export const ORIGINAL = {
  dataset: 'fashion-mnist',
  epochs: 50,
  /** Train / test accuracy in % after the last epoch. */
  accuracy: {
    baseline: { train: 94.98, test: 89.1 },
    dropout: { train: 89.26, test: 85.39 },
    'weight-decay': { train: 91.49, test: 89.02 },
    batchnorm: { train: 97.58, test: 89.6 },
  } as Record<string, { train: number; test: number }>,
};
