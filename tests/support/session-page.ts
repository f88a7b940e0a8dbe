/**
 * A page for BrowserSession's own tests (tests/cli.test.ts): a call that never returns, one that
 * answers, and one that fails as the engine does on a browser without a WebGPU adapter.
 */
import { WebGPUUnavailableError } from '../../src/gpu/device.ts';

(globalThis as unknown as { runner: unknown }).runner = {
  hang: () => new Promise(() => {}),
  answer: () => 42,
  noAdapter: () => {
    throw new WebGPUUnavailableError('WebGPU is unavailable: requestAdapter() returned no adapter. The GPU may be blocklisted or disabled; in Chrome check chrome://gpu.');
  },
};
