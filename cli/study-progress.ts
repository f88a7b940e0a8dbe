/**
 * The study's terminal output: one cli-progress bar (on stderr) over every step of every run, and a
 * line per finished epoch above it. Without a terminal (nohup, CI) the bar is printed every 10 s
 * and the epoch lines go to stdout.
 */
import cliProgress from 'cli-progress';
import type { EpochMetrics, Progress } from '../src/train/types.ts';

export class StudyProgress {
  private readonly bars = new cliProgress.MultiBar({
    format: '{run} epoch {epoch} |{bar}| {percentage}% | loss {loss} acc {acc} | {sps} samples/s | ETA {eta_formatted}',
    noTTYOutput: !process.stderr.isTTY,
    notTTYSchedule: 10_000,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  private bar: cliProgress.SingleBar | null = null;
  private run = { label: '', epochs: 0, offset: 0 };

  /** Begin (or, on --resume, continue) a bar of `total` steps with `done` of them behind. */
  start(total: number, done: number): void {
    this.bar = this.bars.create(total, done, { run: '', epoch: '', loss: '-', acc: '-', sps: '-' });
  }

  /** The run that progress events now come from; its first step is step `offset` of the study. */
  follow(label: string, epochs: number, offset: number): void {
    this.run = { label, epochs, offset };
  }

  report(p: Progress): void {
    this.bar?.update(this.run.offset + p.globalStep, {
      run: this.run.label, epoch: `${p.epoch}/${this.run.epochs}`,
      loss: p.trainLoss.toFixed(4), acc: p.trainAccuracy.toFixed(4), sps: p.samplesPerSecond.toFixed(0),
    });
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
    if (this.bar && process.stderr.isTTY) this.bars.log(`${line}\n`);
    else console.log(line);
  }

  stop(): void {
    if (this.bar) this.bars.stop();
    this.bar = null;
  }
}
