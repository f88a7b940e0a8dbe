/**
 * The command-line tools' exit codes (README "When something goes wrong") and their one-line
 * usage errors.
 */
import type { Command } from 'commander';

export const EXIT = {
  ok: 0,
  /** A runtime failure: the browser, WebGPU, a page call that hung. */
  failure: 1,
  /** Bad usage or input: an option, the --out folder, a dataset or checkpoint file. */
  usage: 2,
  /** A variant diverged (NaN/Inf, or a loss that stayed far above chance). */
  diverged: 3,
  /** Interrupted (Ctrl-C); what was trained is checkpointed and --resume continues it. */
  interrupted: 130,
} as const;

/** An error that ends the command with `code`, its message printed as one line. */
export class CliError extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

/**
 * Commander prints an unknown or invalid option as one line ending in "see --help" (the whole help
 * after it would scroll the error away) and exits with EXIT.usage; --help itself exits 0.
 */
export function oneLineUsageErrors(program: Command): Command {
  return program
    .configureOutput({ outputError: (text, write) => write(`${program.name()}: ${text.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (see --help)\n`) })
    .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage));
}

/**
 * Run a command's main and set the process's exit code: main's own, a CliError's, EXIT.usage for
 * bad input (a RangeError from the options, an OutputFolderError), else EXIT.failure; the error
 * printed as one line after the command's name.
 */
export async function runCommand(name: string, main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    const e = error as Error;
    console.error(`${name}: ${e.message.split('\n')[0]}`);
    process.exitCode = error instanceof CliError ? error.code : error instanceof RangeError || e.name === 'OutputFolderError' ? EXIT.usage : EXIT.failure;
  }
}
