/** A page for BrowserSession's hang watchdog test (tests/cli.test.ts): one call never returns, one does. */
(globalThis as unknown as { runner: unknown }).runner = {
  hang: () => new Promise(() => {}),
  answer: () => 42,
};
