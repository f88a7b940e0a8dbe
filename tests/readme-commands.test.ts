/**
 * Every command in README.md's fenced shell blocks, and every fenced TypeScript/WGSL block, is
 * listed here with where it is exercised, as written or with the exact difference said. The test
 * fails when the README gains or changes a block the list lacks, when the list names one the
 * README no longer has, and when a listed place is gone or no longer contains what runs it.
 * (Commands quoted inline in the prose are not covered.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const test = suite('README commands');

interface Exercised {
  /** A test file, `.ci/run` or a script. */
  file: string;
  /** What in that file runs the command: each must occur in it, verbatim. */
  runs: string[];
  /** 'as written', or how what runs differs from the README's line. */
  as: string;
}

interface Command {
  /** For `npm …` lines: what package.json's script must contain for `runs` to be that command. */
  script?: string;
  exercised: Exercised[];
}

/** The README's shell commands (comments dropped), each with where it runs. */
const COMMANDS: Record<string, Command> = {
  'npm start': {
    script: 'demo/serve.ts',
    exercised: [
      { file: 'scripts/clean-env.sh', runs: ['setsid npm start'], as: 'as written, from `git clone` on a fresh Debian 12 root; not part of CI (its last run: docs/clean-env/TRANSCRIPT.md)' },
      { file: 'tests/demo-server.test.ts', runs: ["'demo/serve.ts'", 'buildDemo('], as: "its build and serve steps: buildDemo() (what `node build.mjs` builds into dist/demo), then `node --import tsx demo/serve.ts`; not its setup step" },
      { file: 'tests/setup.test.ts', runs: ["'scripts/setup.mjs'"], as: 'its setup step (`node scripts/setup.mjs demo`): what it needs and when it reinstalls, without installing' },
    ],
  },
  'npm test': {
    exercised: [
      { file: '.ci/run', runs: ['npm test 2>&1'], as: 'as written' },
      { file: 'scripts/clean-env.sh', runs: ['npm test ${TEST_ARGS}'], as: 'as written (TEST_ARGS is empty unless a trial sets it), from `git clone` on a fresh Debian 12 root; not part of CI' },
    ],
  },
  'npm run train -- --variant batchnorm --epochs 1 --seed 0 --out out/bn': {
    script: 'cli/train.ts',
    exercised: [
      { file: 'tests/cli.test.ts', runs: ["'cli/train.ts'", "'--variant', 'batchnorm'"], as: '`--steps 6 --seed 3 --batch-size 16` on synthetic images (`--data-dir`, 20 validation images) instead of one epoch of Fashion-MNIST with seed 0' },
    ],
  },
  'npm run build': {
    script: 'build.mjs',
    exercised: [
      { file: 'tests/demo-server.test.ts', runs: ['buildDemo('], as: "the demo half of `node build.mjs` (buildDemo into dist/demo), called as a function" },
      { file: 'tests/support/pack.ts', runs: ["'pack'"], as: "the library half: `npm pack`, whose prepack runs `node build.mjs library`" },
    ],
  },
  'npm run study -- --epochs 2 --out out/study-fmnist': {
    script: 'cli/study.ts',
    exercised: [
      { file: 'tests/study.test.ts', runs: ["'cli/study.ts'", "'--epochs', '2'"], as: 'all four variants, 2 epochs, but seeds 0,1 (not 0,1,2) on synthetic images (`--data-dir`), batch 16, 20 validation images' },
    ],
  },
  'npm run study -- --sweep dropout=0.1,0.3,0.5 --sweep weight-decay=1e-4,1e-3,1e-2 --epochs 5 --seeds 0,1,2 --out out/sweep': {
    script: 'cli/study.ts',
    exercised: [
      { file: 'tests/sweep.test.ts', runs: ["'cli/study.ts'", "'--sweep', 'dropout=0.2,0.5'"], as: 'one sweep, dropout=0.2,0.5, 1 epoch, seed 0, on synthetic images; the weight-decay sweep and 5 epochs × 3 seeds are not run' },
    ],
  },
};

/**
 * The README's TypeScript blocks that are apps (they import the package): each is an examples/
 * file verbatim (tests/package.test.ts checks that too), built and run where listed.
 */
const EXAMPLES: Record<string, Exercised[]> = {
  'examples/embed.ts': [
    // The README says `npx esbuild app.ts --bundle --format=esm --outfile=app.js`; the test uses esbuild's API.
    { file: 'tests/package.test.ts', runs: ["'examples/embed.ts'", "bundle: true, format: 'esm'"], as: "bundled against the packed package with esbuild's API and the README command's options (--bundle --format=esm), not the `npx esbuild …` line itself; run in headless Chromium; type-checked with TypeScript 5 and 7" },
  ],
  'examples/worker.ts': [
    { file: 'tests/package.test.ts', runs: ["'examples/worker.ts'", "bundle: true, format: 'esm'", "import('vite')"], as: "bundled as embed.ts is, with worker.js copied beside it, and with Vite (no copying); run in headless Chromium; type-checked with TypeScript 5 and 7" },
  ],
  'examples/node.ts': [
    { file: 'tests/node.test.ts', runs: ["'examples/node.ts'"], as: 'bundled for Node (esbuild) against the package and run on Dawn with SwiftShader' },
    { file: 'tests/package.test.ts', runs: ["'node.ts'"], as: 'type-checked against the packed package with TypeScript 5 and 7' },
  ],
};

/** Blocks that are fragments of a template (Adding an op), in README order: not built, because `<op>` is a placeholder. */
const FRAGMENTS: [lang: string, body: string][] = [
  ['wgsl', 'override TILE: u32;   // set by src/ops/<op>.ts\noverride TANH: bool;'],
  ['ts', "import shader from '../../shaders/<op>.wgsl';\nconst TILE = 8; // the shader's TILE\nthis.forward = gpu.kernel(shader, 'myop_forward', { TILE, TANH: config.activation === 'tanh' });"],
];

const readme = readFileSync('README.md', 'utf8');
const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]!.trimEnd() }));

/** A shell block's commands: continuation lines joined, comments and blank lines dropped. */
function commands(body: string): string[] {
  return body.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.replace(/(^|\s+)#.*$/, '').trim()).filter((l) => l !== '');
}

const readmeCommands = [...new Set(blocks.filter((b) => ['sh', 'bash', 'shell'].includes(b.lang)).flatMap((b) => commands(b.body)))];

function checkExercised(what: string, places: Exercised[]): void {
  assert.ok(places.length > 0, `${what}: nowhere exercised`);
  for (const { file, runs, as } of places) {
    assert.ok(existsSync(file), `${what}: ${file} does not exist`);
    assert.ok(as.trim() !== '', `${what}: say how ${file} runs it`);
    const text = readFileSync(file, 'utf8');
    for (const part of runs) assert.ok(text.includes(part), `${what}: ${file} no longer contains ${JSON.stringify(part)}`);
  }
}

test('every command in the README\'s shell blocks is listed, and every listed command is in the README', () => {
  assert.ok(readmeCommands.length >= 5, `found ${readmeCommands.length} commands: is the block syntax still \`\`\`sh?`);
  const listed = Object.keys(COMMANDS);
  assert.equal(readmeCommands.filter((c) => !listed.includes(c)), [], 'README commands the list lacks (add each with where it runs)');
  assert.equal(listed.filter((c) => !readmeCommands.includes(c)), [], 'listed commands the README no longer has');
});

test('each listed command is exercised where the list says, by what package.json\'s script runs', () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  for (const [command, { script, exercised }] of Object.entries(COMMANDS)) {
    const npm = /^npm (?:run (\S+)|(start|test))\b/.exec(command);
    if (npm) {
      const name = npm[1] ?? npm[2]!;
      assert.ok(scripts[name], `${command}: package.json has no "${name}" script`);
      if (script) assert.ok(scripts[name]!.includes(script), `${command}: package.json's "${name}" (${scripts[name]}) no longer runs ${script}`);
    }
    checkExercised(command, exercised);
  }
});

test('the README\'s TypeScript apps are the examples, built and run where listed; the other blocks are the listed fragments', () => {
  const apps = blocks.filter((b) => b.lang === 'ts' && b.body.includes("from 'lenet-webgpu'"));
  const examples = Object.keys(EXAMPLES);
  assert.is(apps.length, examples.length, 'one README block per listed example');
  apps.forEach((block, i) => {
    assert.is(block.body, readFileSync(examples[i]!, 'utf8').trimEnd(), `README block ${i + 1} is ${examples[i]} verbatim`);
    checkExercised(examples[i]!, EXAMPLES[examples[i]!]!);
  });
  const others = blocks.filter((b) => !['sh', 'bash', 'shell'].includes(b.lang) && !apps.includes(b));
  const includes = others.filter((b) => b.lang === 'wgsl' && b.body.startsWith('//#include'));
  assert.equal(others.filter((b) => !includes.includes(b)).map((b) => [b.lang, b.body]), FRAGMENTS, 'blocks that are neither commands, examples nor the listed fragments');
  // The include example names real shader libraries, as a shader would include them from shaders/.
  assert.is(includes.length, 1);
  for (const [, path] of includes[0]!.body.matchAll(/^\/\/#include "([^"]+)"/gm)) assert.ok(existsSync(join('shaders', path!)), `shaders/${path} exists`);
});

test.run();
