import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RunProgress } from '../cli/run-progress.ts';
import type { Progress } from '../src/train/types.ts';

const test = suite('run progress (terminal)');

/** A terminal 120 columns wide that keeps what was written to it. */
function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });
  let written = '';
  stream.on('data', (chunk: Buffer) => written += chunk.toString());
  // Escape sequences (cursor moves, line clears) removed: only what a user reads is left.
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => written.replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, '') };
}

const progress = (step: number): Progress => ({
  variant: 'batchnorm', epoch: 1, step, stepsPerEpoch: 750, globalStep: step, samples: step * 64,
  trainLoss: 0.5, trainAccuracy: 0.8, samplesPerSecond: 900,
});

test('a run cut short shows its planned steps, then evaluates each split on a bar of its own', async () => {
  const { stream, text } = terminal();
  const bars = new RunProgress(stream);
  try {
    // --steps 30 of a 750-step epoch: the bar is over the 30 planned steps.
    bars.start(30, 0);
    bars.follow('batchnorm', 1, 0, { validation: 12_000, test: 10_000 });
    bars.report(progress(30));
    await sleep(150); // cli-progress redraws on a timer
    assert.match(text(), /batchnorm epoch 1\/1 \|█+\| 100% \| loss 0\.5000 acc 0\.8000 \| 900 samples\/s/);
    bars.evaluating();
    for (const images of [750, 6000, 12_000]) {
      bars.evaluated({ variant: 'batchnorm', split: 'validation', images, total: 12_000 });
      await sleep(150);
    }
    bars.evaluated({ variant: 'batchnorm', split: 'test', images: 5_000, total: 10_000 });
    await sleep(150);
    const shown = text();
    assert.match(shown, /batchnorm: evaluating validation \(12,000 images\) and test \(10,000 images\)…/);
    assert.match(shown, /batchnorm evaluating validation \|[█░]+\| 6000\/12000 images/);
    assert.match(shown, /batchnorm evaluating test \|[█░]+\| 5000\/10000 images/);
    // The validation bar is gone once its split is done: not drawn again beside the test bar.
    assert.not.match(shown.slice(shown.indexOf('evaluating test |')), /evaluating validation \|/);
  } finally {
    bars.stop(); // its redraw timer would keep the process alive
  }
});

test.run();
