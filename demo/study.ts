/**
 * Runs the chosen variants side by side on one GPU: each trainer gets a short turn in rotation
 * (about a quarter of a second of training), so every variant's curves move at once, and the
 * page stays responsive because the trainers await their readbacks between submits.
 * A diverged variant drops out of the rotation while the others go on; pause, stop and a lost
 * device end the turn in flight and keep every finished epoch (and its weights).
 * Free of the DOM and of GPU code, so its scheduling is tested in Node with fake trainers.
 */
import type { VariantName } from '../src/model/variants.ts';
import type { EpochMetrics, EvaluationProgress, Progress } from '../src/train/types.ts';

/** The part of Trainer the study uses. */
export interface StudyTrainer {
  readonly trainSize: number;
  readonly stepsPerEpoch: number;
  on(event: 'progress', listener: (p: Progress) => void): () => void;
  on(event: 'epoch', listener: (m: EpochMetrics) => void): () => void;
  on(event: 'evaluation', listener: (p: EvaluationProgress) => void): () => void;
  train(budget: { epochs?: number; steps?: number }): Promise<{ steps: number }>;
  stop(): void;
  exportWeights(metadata?: Record<string, string>): Promise<Uint8Array>;
  saveCheckpoint(): Promise<Uint8Array>;
}

export type VariantStatus = 'queued' | 'training' | 'paused' | 'finished' | 'diverged' | 'stopped' | 'lost' | 'failed';

export interface VariantRun {
  name: VariantName;
  trainer: StudyTrainer;
  status: VariantStatus;
  epochs: EpochMetrics[];
  /** Training samples seen in the current (unfinished) epoch. */
  epochSamples: number;
  /** .safetensors of the weights after the last finished epoch: exportable after the device is gone. */
  weights: Uint8Array | null;
  /** The trainer's checkpoint after the last finished epoch (kept so a reload can resume the run). */
  checkpoint: Uint8Array | null;
  message: string | null;
}

export interface StudyListener {
  progress?(run: VariantRun, progress: Progress): void;
  epoch?(run: VariantRun, metrics: EpochMetrics): void;
  /** The end-of-epoch evaluation's progress (it can take a while on a slow GPU). */
  evaluation?(run: VariantRun, progress: EvaluationProgress): void;
  status?(run: VariantRun): void;
}

export type StudyEnd = 'finished' | 'stopped' | 'lost';

const TURN_SECONDS = 0.25;
const LOSS_GRACE_MS = 200;
const ENDED: readonly VariantStatus[] = ['finished', 'diverged', 'stopped', 'lost', 'failed'];

export class Study {
  readonly runs: VariantRun[];
  private turnSteps = new Map<VariantName, number>();
  private stopped = false;
  private lostMessage: string | null = null;
  private current: VariantRun | null = null;
  private resume: (() => void) | null = null;
  private gate: Promise<void> | null = null;
  /** Seconds spent running (pauses excluded), for samples per second and time left. */
  private activeSeconds = 0;
  private activeSince: number | null = null;
  /** Samples a resumed run had trained before this page: not part of this page's rate. */
  private readonly doneBefore: number;

  /**
   * `resumed`: per variant, the epochs a previous page trained (its trainer restored from their
   * checkpoint); a variant with all of them is finished from the start.
   */
  constructor(
    trainers: ReadonlyMap<VariantName, StudyTrainer>, readonly epochs: number, private readonly listener: StudyListener = {},
    resumed: ReadonlyMap<VariantName, { epochs: EpochMetrics[]; weights: Uint8Array; checkpoint: Uint8Array }> = new Map(),
  ) {
    this.runs = [...trainers].map(([name, trainer]): VariantRun => {
      const before = resumed.get(name);
      return {
        name, trainer, status: before && before.epochs.length >= epochs ? 'finished' : 'queued', epochs: [...before?.epochs ?? []],
        epochSamples: 0, weights: before?.weights ?? null, checkpoint: before?.checkpoint ?? null, message: null,
      };
    });
    this.doneBefore = this.runs.reduce((n, r) => n + r.epochs.length * r.trainer.trainSize, 0);
    for (const run of this.runs) {
      run.trainer.on('progress', (p) => {
        run.epochSamples = p.samples;
        this.listener.progress?.(run, p);
      });
      run.trainer.on('evaluation', (p) => this.listener.evaluation?.(run, p));
      run.trainer.on('epoch', (m) => {
        run.epochs.push(m);
        run.epochSamples = 0;
      });
    }
  }

  get paused(): boolean {
    return this.gate !== null;
  }

  /** Train every variant to `epochs`, in turns; resolves with how the study ended. */
  async run(): Promise<StudyEnd> {
    this.clock(true);
    try {
      let active = this.runs.filter((r) => r.status === 'queued');
      while (active.length && !this.stopped && !this.lostMessage) {
        for (const run of active) {
          if (this.gate) await this.gate;
          if (this.stopped || this.lostMessage) break;
          await this.turn(run);
        }
        active = active.filter((r) => !ENDED.includes(r.status));
      }
    } finally {
      this.clock(false);
    }
    const end: StudyEnd = this.lostMessage ? 'lost' : this.stopped ? 'stopped' : 'finished';
    for (const run of this.runs) {
      if (!ENDED.includes(run.status)) {
        this.setStatus(run, end === 'lost' ? 'lost' : 'stopped', this.lostMessage);
      }
    }
    return end;
  }

  private async turn(run: VariantRun): Promise<void> {
    if (run.status !== 'training') this.setStatus(run, 'training');
    const steps = this.turnSteps.get(run.name) ?? 8;
    const finishedBefore = run.epochs.length;
    const started = performance.now();
    let done = 0;
    this.current = run;
    try {
      // A turn ends at the end of an epoch at the latest, so the weights read after it are that epoch's.
      done = (await run.trainer.train({ epochs: Math.min(this.epochs, finishedBefore + 1), steps })).steps;
    } catch (error) {
      const e = error as Error;
      // Matched by name, not class, so this module needs no GPU code.
      if (e.name === 'DivergenceError') this.setStatus(run, 'diverged', e.message);
      else {
        // A destroyed device rejects pending reads (AbortError) before its `lost` promise settles:
        // give lose() a moment to arrive before calling this a failure of the variant.
        await new Promise((resolve) => setTimeout(resolve, LOSS_GRACE_MS));
        if (this.lostMessage || e.name === 'DeviceLostError') this.lose(this.lostMessage ?? e.message);
        else this.setStatus(run, 'failed', `${e.name}: ${e.message}`);
      }
    } finally {
      this.current = null;
    }
    // Keep next turns near TURN_SECONDS whatever the GPU's speed.
    const seconds = Math.max(1e-3, (performance.now() - started) / 1000);
    if (done > 0) this.turnSteps.set(run.name, Math.max(1, Math.min(run.trainer.stepsPerEpoch, Math.round((done * TURN_SECONDS) / seconds))));
    if (run.epochs.length > finishedBefore) {
      if (!this.lostMessage) {
        try {
          run.weights = await run.trainer.exportWeights({ epoch: String(run.epochs.length) });
          run.checkpoint = await run.trainer.saveCheckpoint();
        } catch {
          // The device went away during the read: the previous epoch's weights stay.
        }
      }
      // Reported once its weights are kept, so whatever shows the epoch can offer them.
      this.listener.epoch?.(run, run.epochs.at(-1)!);
    }
    if (run.status === 'training' && run.epochs.length >= this.epochs) this.setStatus(run, 'finished');
  }

  pause(): void {
    if (this.gate || this.activeSince === null) return;
    this.clock(false);
    this.gate = new Promise((resolve) => (this.resume = resolve));
    this.current?.trainer.stop();
    for (const run of this.runs) if (run.status === 'training') this.setStatus(run, 'paused');
  }

  /** Continue after pause(). */
  continue(): void {
    if (!this.gate) return;
    this.clock(true);
    for (const run of this.runs) if (run.status === 'paused') this.setStatus(run, 'training');
    this.gate = null;
    this.resume?.();
  }

  stop(): void {
    this.stopped = true;
    this.current?.trainer.stop();
    this.continue();
  }

  /** The device is gone (Gpu.onLost): end the study, keeping what finished. */
  lose(message: string): void {
    this.lostMessage ??= message;
    this.current?.trainer.stop();
    this.continue();
  }

  private setStatus(run: VariantRun, status: VariantStatus, message: string | null = run.message): void {
    run.status = status;
    run.message = message;
    this.listener.status?.(run);
  }

  /** Add the running time so far to activeSeconds; keep the clock going or not. */
  private clock(running: boolean): void {
    if (this.activeSince !== null) this.activeSeconds += (performance.now() - this.activeSince) / 1000;
    this.activeSince = running ? performance.now() : null;
  }

  /**
   * Samples trained and still to train over all variants (`total` drops what a variant that ended
   * early no longer needs; `planned` does not), the rate, and the time left.
   */
  stats(): { done: number; total: number; planned: number; samplesPerSecond: number; secondsLeft: number } {
    let done = 0;
    let total = 0;
    let planned = 0;
    for (const run of this.runs) {
      const trained = run.epochs.length * run.trainer.trainSize + run.epochSamples;
      done += trained;
      planned += this.epochs * run.trainer.trainSize;
      // A variant that ended early no longer needs its remaining epochs.
      total += !ENDED.includes(run.status) ? this.epochs * run.trainer.trainSize : trained;
    }
    const seconds = this.activeSeconds + (this.activeSince !== null ? (performance.now() - this.activeSince) / 1000 : 0);
    const samplesPerSecond = seconds > 0 ? (done - this.doneBefore) / seconds : 0;
    return { done, total, planned, samplesPerSecond, secondsLeft: samplesPerSecond > 0 ? (total - done) / samplesPerSecond : Infinity };
  }
}
