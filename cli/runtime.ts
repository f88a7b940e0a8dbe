/** `--runtime`: where the engine runs for train, study and bench:epoch. */
import { Option } from 'commander';
import { NodeSession } from './node-session.ts';
import { BrowserSession, type RunnerSession, type SessionOptions } from './session.ts';

export const RUNTIMES = ['browser', 'node'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export function runtimeOption(): Option {
  return new Option('--runtime <where>', 'browser: WebGPU in headless Chromium; node: in this process on Dawn (the webgpu package)')
    .choices(RUNTIMES).default('browser');
}

export function openSession(runtime: Runtime, options: SessionOptions): Promise<RunnerSession> {
  return runtime === 'node' ? NodeSession.open(options) : BrowserSession.open(options);
}
