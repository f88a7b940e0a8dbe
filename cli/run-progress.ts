/**
 * The terminal output of train and study: one cli-progress bar (on stderr) over every planned step
 * of every run; while an epoch is evaluated, a line saying so and a second bar over the images of
 * each split; a line per finished epoch above them. Without a terminal (nohup, CI) the bars are
 * printed every 10 s and the lines go to stdout.
 */
import cliProgress from 'cli-progress';
import type { EpochMetrics, EvaluationProgress, Progress } from '../src/train/types.ts';

export class RunProgress {
  private readonly bars: cliProgress.MultiBar;
  private bar: cliProgress.SingleBar | null = null;
  /** The evaluation bar while a split is being evaluated. */
  private evaluation: { bar: cliProgress.SingleBar; split: string } | null = null;
  private run = { label: '', epochs: 0, offset: 0, evaluation: '' };

  /** Bars on `stream` (stderr; a test passes its own). */
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.bars = new cliProgress.MultiBar({
      format: '{run} epoch {epoch} |{bar}| {percentage}% | loss {loss} acc {acc} | {sps} samples/s | ETA {eta_formatted}',
      stream,
      noTTYOutput: !stream.isTTY,
      notTTYSchedule: 10_000,
      hideCursor: true,
    }, cliProgress.Presets.shades_classic);
  }

  /** Begin (or, on --resume, continue) a bar of `total` steps with `done` of them behind. */
  start(total: number, done: number): void {
    this.bar = this.bars.create(total, done, { run: '', epoch: '', loss: '-', acc: '-', sps: '-' });
  }

  /**
   * The run that progress events now come from; its first step is step `offset` of the bar. `sizes`
   * are the images its end-of-epoch evaluation reads.
   */
  follow(label: string, epochs: number, offset: number, sizes: { validation: number; test: number }): void {
    this.run = { label, epochs, offset, evaluation: evaluationText(sizes) };
  }

  report(p: Progress): void {
    this.bar?.update(this.run.offset + p.globalStep, {
      run: this.run.label, epoch: `${p.epoch}/${this.run.epochs}`,
      loss: p.trainLoss.toFixed(4), acc: p.trainAccuracy.toFixed(4), sps: p.samplesPerSecond.toFixed(0),
    });
    if (p.step === p.stepsPerEpoch) this.evaluating();
  }

  /** Say that the run is now evaluating (after an epoch, or at the end of a run that stopped mid-epoch). */
  evaluating(): void {
    this.log(`${this.run.label}: evaluating ${this.run.evaluation}…`);
  }

  /** An evaluation's progress: its own bar, over the images of the split, gone when it is done. */
  evaluated(p: EvaluationProgress): void {
    if (this.evaluation?.split !== p.split) {
      this.endEvaluation();
      const bar = this.bars.create(p.total, 0, { run: this.run.label, split: p.split }, { format: '{run} evaluating {split} |{bar}| {value}/{total} images' });
      this.evaluation = { bar, split: p.split };
    }
    this.evaluation.bar.update(p.images);
    if (p.images >= p.total) this.endEvaluation();
  }

  private endEvaluation(): void {
    if (this.evaluation) this.bars.remove(this.evaluation.bar);
    this.evaluation = null;
  }

  /** Move the bar to `value` steps (a run finished or diverged). */
  set(value: number): void {
    this.bar?.update(value);
  }

  epoch(label: string, epochs: number, m: EpochMetrics): void {
    this.log(`${label} epoch ${m.epoch}/${epochs}: train loss ${m.trainLoss.toFixed(4)} acc ${m.trainAccuracy.toFixed(4)}` +
      (m.validationAccuracy !== null ? ` | validation acc ${m.validationAccuracy.toFixed(4)}` : '') +
      ` | test acc ${m.testAccuracy.toFixed(4)} | ${m.samplesPerSecond.toFixed(0)} samples/s`);
  }

  log(line: string): void {
    if (this.bar && this.stream.isTTY) this.bars.log(`${line}\n`);
    else console.log(line);
  }

  stop(): void {
    this.endEvaluation();
    if (this.bar) this.bars.stop();
    this.bar = null;
  }
}

const count = (n: number) => n.toLocaleString('en-US');

function evaluationText(sizes: { validation: number; test: number }): string {
  return sizes.validation > 0 ? `validation (${count(sizes.validation)} images) and test (${count(sizes.test)} images)` : `test (${count(sizes.test)} images)`;
}
