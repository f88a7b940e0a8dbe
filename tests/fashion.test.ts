import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FASHION_MNIST_DIR, hasFashionMnist, trainOnGpu } from './support/browser.ts';

const test = suite('fashion-mnist');

// The study's protocol: Adam 1e-3, batch 64, inputs in [-1, 1], 48,000/12,000 split; 200 steps.
const run = (variant: 'baseline' | 'batchnorm') => trainOnGpu({
  dataset: { url: '/data/fashion-mnist/' }, variant, options: { seed: 1, stepsPerSubmit: 16 },
  budget: { steps: 200 }, evaluate: ['test'],
});

test('the dataset is installed (apt-get install dataset-fashion-mnist)', () => {
  assert.ok(hasFashionMnist(), `Fashion-MNIST not found in ${FASHION_MNIST_DIR}`);
});

test('baseline reaches ≥ 72% on the full test set after 200 steps; batch norm beats it', async () => {
  const baseline = await run('baseline');
  assert.not.ok(baseline.error, baseline.error?.message);
  const test10k = baseline.evaluations.test!;
  assert.is(test10k.samples, 10_000);
  console.log(`  baseline: test accuracy ${(100 * test10k.accuracy).toFixed(2)}% after 200 steps (${baseline.seconds.toFixed(0)} s)`);
  assert.ok(test10k.accuracy >= 0.72, `baseline test accuracy ${test10k.accuracy}`);

  const batchnorm = await run('batchnorm');
  assert.not.ok(batchnorm.error, batchnorm.error?.message);
  console.log(`  batchnorm: test accuracy ${(100 * batchnorm.evaluations.test!.accuracy).toFixed(2)}% (${batchnorm.seconds.toFixed(0)} s)`);
  assert.ok(batchnorm.evaluations.test!.accuracy > test10k.accuracy, 'batch norm beats the baseline');
});

test.run();
