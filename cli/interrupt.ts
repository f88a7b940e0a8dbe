/**
 * Ctrl-C (SIGINT) and SIGTERM for the long-running commands: the first asks the run to stop at its
 * next step boundary, so it can checkpoint and say how to resume (exit 130); a second one exits at
 * once (the checkpoint of the last finished call is kept).
 */
import { EXIT } from './exit.ts';

export class Interrupt {
  requested = false;
  private onRequest: () => void = () => {};

  constructor(private readonly command: string) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => this.signal());
  }

  /** What to do on the first signal (stop the page's training). */
  whenRequested(stop: () => void): void {
    this.onRequest = stop;
    if (this.requested) stop();
  }

  private signal(): void {
    if (this.requested) {
      console.error(`${this.command}: interrupted again; exiting now (the last checkpoint is kept)`);
      process.exit(EXIT.interrupted);
    }
    this.requested = true;
    console.error(`${this.command}: stopping at the next step boundary to save a checkpoint (Ctrl-C again to exit now)…`);
    this.onRequest();
  }
}
