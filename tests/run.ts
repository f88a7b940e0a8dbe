/**
 * Test runner: uvu's suites in one process so they share one headless Chromium, which is closed
 * at the end. Ends with the line `N passed, N failed` that CI reads.
 * Usage: node --import tsx tests/run.ts [pattern]   (pattern filters test file names)
 */
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';
import { closeBrowser } from './support/browser.ts';

const pattern = process.argv[2];
const { suites } = await parse('tests', pattern ? new RegExp(pattern) : /\.test\.ts$/, {});
const selected = suites.filter((s) => s.name.endsWith('.test.ts'));

// uvu prints "Total: N" and "Passed: N" but returns nothing; read them off its output.
let output = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

await run(selected);
await closeBrowser();

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(strip(output))?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(strip(output))?.[1] ?? 0);
process.stdout.write = write;
console.log(`\n${passed} passed, ${total - passed} failed`);
if (selected.length === 0 || total === 0) process.exitCode = 1;
