/** The sustained-high-loss rule (src/train/high-loss-watch.ts) on constructed readbacks; the GPU side is in train.test.ts and cli.test.ts. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HIGH_LOSS, HighLossWatch } from '../src/train/high-loss-watch.ts';

const test = suite('high-loss watch');
const BATCH = 64;

/** Feed `losses` (one mean loss per 8-step chunk) as the epoch's running sums, returning the first alarm's chunk index. */
function firstAlarm(watch: HighLossWatch, losses: number[], stepsPerChunk = 8): number | null {
  let lossSum = 0;
  let step = 0;
  for (const [i, loss] of losses.entries()) {
    step += stepsPerChunk;
    lossSum += loss * stepsPerChunk * BATCH;
    if (watch.observe(step, lossSum, step * BATCH)) return i;
  }
  return null;
}

test('the limit is 3 × ln(classes) and the window 20 steps', () => {
  assert.is(new HighLossWatch(10).limit, 3 * Math.log(10));
  assert.is(HIGH_LOSS.steps, 20);
});

test('a loss that stays far above chance is named once the window is covered, with its mean', () => {
  const watch = new HighLossWatch(10);
  watch.epochStarted();
  // Chunks of 8 steps: the third readback is the first to cover 20 steps.
  assert.is(firstAlarm(watch, [187, 190, 185, 180]), 2);
  const w2 = new HighLossWatch(10);
  w2.epochStarted();
  const alarm = w2.observe(24, 24 * BATCH * 50, 24 * BATCH);
  assert.ok(alarm);
  assert.ok(Math.abs(alarm!.mean - 50) < 1e-9);
  assert.is(alarm!.steps, 24);
});

test('a normal run, a short spike and a run that recovers are not divergence', () => {
  const normal = new HighLossWatch(10);
  normal.epochStarted();
  assert.is(firstAlarm(normal, [2.3, 2.1, 1.8, 1.2, 0.9, 0.7]), null);
  // One 8-step chunk at 10 between calm chunks: every 24-step mean stays under 6.91 (at most 4.9).
  const spike = new HighLossWatch(10);
  spike.epochStarted();
  assert.is(firstAlarm(spike, [2.3, 2.3, 10, 2.3, 2.3, 2.3]), null);
  // Just under the limit for ever is not "far above chance".
  const high = new HighLossWatch(10);
  high.epochStarted();
  assert.is(firstAlarm(high, Array(10).fill(6.9)), null);
});

test('the window spans epochs: the sums restart at each epoch, the window does not', () => {
  const watch = new HighLossWatch(10);
  watch.epochStarted();
  assert.is(firstAlarm(watch, [100]), null);
  watch.epochStarted();
  // 8 steps at the end of one epoch and 16 of the next cover the window.
  assert.ok(firstAlarm(watch, [100, 100]) === 1);
});

test('after a checkpoint is loaded mid-epoch the first readback is only a baseline', () => {
  const watch = new HighLossWatch(10);
  watch.forget();
  // Sums already hold 40 unknown steps; that readback must not count as a chunk of 40 steps.
  assert.is(watch.observe(40, 40 * BATCH * 100, 40 * BATCH), null);
  assert.is(watch.observe(48, 48 * BATCH * 100, 48 * BATCH), null);
  assert.is(watch.observe(56, 56 * BATCH * 100, 56 * BATCH), null);
  assert.ok(watch.observe(64, 64 * BATCH * 100, 64 * BATCH));
});

test.run();
