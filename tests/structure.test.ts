/**
 * The code's shape, checked like its behaviour: no import cycles (type-only imports included,
 * since a cycle of types is still two modules that cannot be understood apart), and no module
 * in src/ grown past what one reads at a sitting.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCircular, parseDependencyTree } from 'dpdm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('structure');

const ROOTS = ['src', 'cli', 'demo', 'bench'];

const sourceFiles = (dir: string): string[] => readdirSync(dir, { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
  .map((e) => join(e.parentPath, e.name));

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').length - 1;

test('no import cycles in src/, cli/, demo/ or bench/, type-only imports included', async () => {
  // Every module is an entry, so a module no entry point reaches is checked too.
  const tree = await parseDependencyTree(ROOTS.map((root) => `${root}/**/*.ts`), {
    context: process.cwd(), transform: false, skipDynamicImports: false, tsconfig: 'tsconfig.json',
  });
  assert.ok(Object.keys(tree).includes('src/train/trainer.ts'), 'dpdm parsed the sources');
  const cycles = parseCircular(tree).map((cycle) => cycle.join(' → '));
  assert.equal(cycles, [], `import cycles:\n${cycles.join('\n')}`);
});

test('trainer.ts stays at most 350 lines and no module in src/ exceeds 400', () => {
  assert.ok(lines('src/train/trainer.ts') <= 350, `src/train/trainer.ts has ${lines('src/train/trainer.ts')} lines`);
  const long = sourceFiles('src').map((file) => [file, lines(file)] as const).filter(([, n]) => n > 400);
  assert.equal(long.map(([file, n]) => `${file}: ${n} lines`), []);
});

test.run();
