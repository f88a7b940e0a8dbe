import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import { IDX_FILES } from '../src/data/dataset.ts';
import { FASHION_MNIST_DIR, hasFashionMnist } from './support/browser.ts';
import { consoleOf } from './support/page.ts';
import { REPO, installedPackage, run } from './support/pack.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('npm package');

/** Apps type-check with TypeScript 7 (the native compiler) and 5.x alike. */
const COMPILERS = { 'TypeScript 7': join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), 'TypeScript 5': join(REPO, 'node_modules', 'typescript5', 'bin', 'tsc') };
const TSC = COMPILERS['TypeScript 7'];
/** In the order the README shows them. */
const EXAMPLES = ['embed.ts', 'worker.ts', 'node.ts'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

/** Bundle an app entry for the browser against the installed package (as an app's build would). */
async function bundleApp(app: string, entry: string): Promise<string> {
  const result = await esbuild.build({ entryPoints: [join(app, entry)], absWorkingDir: app, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  return result.outputFiles[0]!.text;
}

test('npm pack ships ES modules with the WGSL inlined, their declarations, and no runtime dependencies but the WebGPU types', async () => {
  const { packageDir } = await installedPackage();
  const files = filesUnder(packageDir);
  assert.ok(files.every((f) => ['package.json', 'README.md', 'LICENSE'].includes(f) || f.startsWith('dist/lib/')), `unexpected files: ${files.join(', ')}`);
  assert.ok(files.includes('LICENSE'), 'the MIT license ships with the package');
  for (const f of ['index.js', 'index.d.ts', 'node.js', 'node.d.ts', 'worker/worker.js', 'worker/client.d.ts', 'train/trainer.d.ts']) {
    assert.ok(files.includes(`dist/lib/${f}`), `dist/lib/${f} is missing from the package`);
  }
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  assert.is(manifest.type, 'module');
  // The declarations use GPUDevice & co.: they reference @webgpu/types, so apps on TypeScript 5 find them.
  assert.equal(Object.keys(manifest.dependencies), ['@webgpu/types']);
  for (const entry of ['index', 'node']) {
    assert.match(readFileSync(join(packageDir, `dist/lib/${entry}.ts5.d.ts`), 'utf8'), /^\/\/\/ <reference types="@webgpu\/types" \/>/);
  }
  assert.equal(manifest.peerDependenciesMeta, { webgpu: { optional: true } });
  const lib = join(packageDir, 'dist/lib');
  const modules = filesUnder(lib).filter((f) => f.endsWith('.js'));
  for (const file of modules) {
    const code = readFileSync(join(lib, file), 'utf8');
    const imports = [...code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]!);
    for (const specifier of imports) {
      if (specifier.startsWith('.')) assert.ok(existsSync(join(lib, dirname(file), specifier)), `${file} imports ${specifier}, which is not in the package`);
      // Only the Node entry may import Node's modules and `webgpu`; nothing imports another package.
      else assert.ok(file === 'node.js' && /^(node:|webgpu$)/.test(specifier), `${file} imports '${specifier}'`);
    }
    assert.not.ok(imports.some((i) => i.endsWith('.wgsl')), `${file} imports a .wgsl file at run time`);
  }
  assert.ok(readFileSync(join(lib, 'ops/pool.js'), 'utf8').includes('@compute @workgroup_size'), 'the pool kernels are not inlined');
  assert.not.ok(/^import /m.test(readFileSync(join(lib, 'worker/worker.js'), 'utf8')), 'worker/worker.js must be self-contained');
  assert.match(readFileSync(join(lib, 'node.js'), 'utf8'), /from "\.\/index\.js"/);
});

test('the README example bundles against the installed package and trains in headless Chromium', async () => {
  assert.ok(hasFashionMnist(), `Fashion-MNIST not found in ${FASHION_MNIST_DIR}`);
  const { app } = await installedPackage();
  copyFileSync(join(REPO, 'examples/embed.ts'), join(app, 'embed.ts'));
  const script = await bundleApp(app, 'embed.ts');
  const lines = await consoleOf({
    '/': ['text/html', '<!doctype html><meta charset="utf-8"><script type="module" src="/embed.js"></script>'],
    '/embed.js': ['text/javascript', script],
  }, /GPU buffers left/);
  const steps = lines.map((l) => /^step (\d+): loss (\d+\.\d+)$/.exec(l)).filter((m) => m !== null);
  assert.equal(steps.map((m) => Number(m[1])), [8, 16, 20], lines.join('\n'));
  assert.ok(steps.every((m) => Number(m[2]) > 0 && Number(m[2]) < 5), lines.join('\n'));
  const summary = lines.find((l) => l.startsWith('test accuracy'));
  assert.match(summary ?? '', /^test accuracy \d+\.\d%, predicted( \d){8}$/);
  // After 20 steps of batch norm LeNet-5 the model is far above chance (10%).
  assert.ok(Number(/accuracy (\S+)%/.exec(summary!)![1]) > 30, summary);
  assert.match(lines.at(-1)!, /^\d+ bytes of weights; 0 GPU buffers left$/);
});

test('the worker example, bundled with worker.js copied beside it, trains in a Web Worker', async () => {
  const { app, packageDir } = await installedPackage();
  copyFileSync(join(REPO, 'examples/worker.ts'), join(app, 'worker-example.ts'));
  const lines = await consoleOf({
    '/': ['text/html', '<!doctype html><meta charset="utf-8"><script type="module" src="/app/main.js"></script>'],
    '/app/main.js': ['text/javascript', await bundleApp(app, 'worker-example.ts')],
    '/app/worker.js': ['text/javascript', readFileSync(join(packageDir, 'dist/lib/worker/worker.js'))],
  }, /trained in a worker on/);
  const steps = lines.map((l) => /^step (\d+): loss (\d+\.\d+)$/.exec(l)).filter((m) => m !== null);
  assert.equal(steps.map((m) => Number(m[1])), [8, 16, 20], lines.join('\n'));
  assert.match(lines.at(-1)!, /^\d+ bytes of weights, trained in a worker on swiftshader$/);
});

test('the worker example built with Vite finds worker.js with no copying (new URL(…, import.meta.url))', async () => {
  const { app } = await installedPackage();
  copyFileSync(join(REPO, 'examples/worker.ts'), join(app, 'worker-example.ts'));
  writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="/worker-example.ts"></script>');
  const outDir = join(app, 'vite-dist');
  const { build } = await import('vite');
  await build({ root: app, configFile: false, logLevel: 'silent', build: { outDir, emptyOutDir: true, target: 'es2022' }, worker: { format: 'es' } });
  const built = filesUnder(outDir);
  assert.ok(built.some((f) => /^assets\/worker-[\w-]+\.js$/.test(f)), `Vite emitted the worker: ${built.join(', ')}`);
  const type = (f: string) => (f.endsWith('.html') ? 'text/html' : 'text/javascript');
  const routes = Object.fromEntries(built.map((f) => [f === 'index.html' ? '/' : `/${f}`, [type(f), readFileSync(join(outDir, f))] as [string, Buffer]]));
  const lines = await consoleOf(routes, /trained in a worker on/);
  assert.match(lines.at(-1)!, /^\d+ bytes of weights, trained in a worker on swiftshader$/);
});

test('the README shows the examples as they are', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes("from 'lenet-webgpu'"));
  assert.equal(blocks.length, EXAMPLES.length, 'README.md should show each example once');
  EXAMPLES.forEach((example, i) => {
    assert.fixture(blocks[i]!, readFileSync(join(REPO, 'examples', example), 'utf8'), example);
    assert.ok(blocks[i]!.trim().split('\n').length < 20, `${example} has 20 lines or more`);
  });
});

test('the examples type-check against the shipped declarations; misuse does not', async () => {
  const { app } = await installedPackage();
  for (const example of EXAMPLES) copyFileSync(join(REPO, 'examples', example), join(app, example));
  // The app's own TypeScript setup: the DOM lib's WebGPU types, declarations checked too (no skipLibCheck).
  const tsconfig = (resolution: string, files: string[]) => JSON.stringify({
    compilerOptions: { target: 'ES2022', module: resolution === 'bundler' ? 'ESNext' : 'NodeNext', moduleResolution: resolution, lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: false },
    files,
  });
  for (const [compiler, tsc] of Object.entries(COMPILERS)) {
    for (const resolution of ['bundler', 'nodenext']) {
      writeFileSync(join(app, 'tsconfig.json'), tsconfig(resolution, EXAMPLES));
      const checked = await run('node', [tsc, '-p', app]).then(() => '', (e: { stdout: string }) => e.stdout);
      assert.is(checked, '', `${compiler} (${resolution}):\n${checked}`);
    }
  }
  writeFileSync(join(app, 'misuse.ts'), [
    "import { Gpu, Trainer, TrainingWorker, variant, type ResidentDataset } from 'lenet-webgpu';",
    'declare const gpu: Gpu; declare const data: ResidentDataset;',
    "new Trainer(gpu, data, { variant: variant('huge'), seed: 'one' });",
    "await TrainingWorker.create({ dataset: { url: '/data/' }, options: {} });",
  ].join('\n'));
  writeFileSync(join(app, 'tsconfig.json'), tsconfig('bundler', ['misuse.ts']));
  const misuse = await run('node', [TSC, '-p', app]).then(() => '', (e: { stdout: string }) => e.stdout);
  assert.match(misuse, /misuse\.ts\(3,.*'"huge"' is not assignable/);
  assert.match(misuse, /misuse\.ts\(3,.*'string' is not assignable to type 'number'/);
  assert.match(misuse, /misuse\.ts\(4,.*'\{ url: string; \}' is not assignable to type 'DatasetSource'/);
});

test('only what an app imports ends up in its bundle (the package is side-effect free)', async () => {
  const { app } = await installedPackage();
  writeFileSync(join(app, 'small.ts'), "import { variant } from 'lenet-webgpu';\nconsole.log(variant('dropout'));\n");
  const small = await bundleApp(app, 'small.ts');
  assert.ok(small.includes('weight-decay'), 'the variant presets are missing');
  for (const unused of ['@compute', 'WgslReflect', 'comlink', 'class Trainer']) assert.not.ok(small.includes(unused), `${unused} was bundled though unused`);
  assert.ok(small.length < 8_000, `${small.length} bytes for variant() alone`);
});

test('TrainingWorker finds its worker script in the package by default (modules served as shipped)', async () => {
  const { packageDir } = await installedPackage();
  const data = syntheticDataset(60, 20, 5);
  const dataRoutes = Object.fromEntries(Object.entries(IDX_FILES).map(([key, file]) =>
    [`/data/synthetic/${file}`, ['application/gzip', Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64')] as [string, Buffer]]));
  const page = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "lenet-webgpu": "/pkg/index.js" } }</script>
<script type="module">
  import { TrainingWorker } from 'lenet-webgpu';
  const worker = await TrainingWorker.create({ dataset: { name: 'synthetic', url: 'data/synthetic/' }, options: { seed: 2, batchSize: 10, validationSize: 10 } });
  const result = await worker.train({ steps: 2 });
  console.log('adapter ' + worker.adapter.architecture + ', ' + result.steps + ' steps in the worker');
  await worker.dispose();
</script>`;
  const lib = join(packageDir, 'dist/lib');
  const packageRoutes = Object.fromEntries(filesUnder(lib).filter((f) => f.endsWith('.js'))
    .map((f) => [`/pkg/${f}`, ['text/javascript', readFileSync(join(lib, f))] as [string, Buffer]]));
  const lines = await consoleOf({ '/': ['text/html', page], ...packageRoutes, ...dataRoutes }, /steps in the worker/);
  assert.is(lines.at(-1), 'adapter swiftshader, 2 steps in the worker');
});

test.run();
