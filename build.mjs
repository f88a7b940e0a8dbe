// Bundles the engine (ESM library), the demo page and the test harness with esbuild.
// A `.wgsl` import is the shader with its includes resolved and its layout reflected, by
// wgsl-plugin.mjs, so shaders live in shaders/ as real files and no WGSL parser ships.
import * as esbuild from 'esbuild';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { wgslPlugin } from './wgsl-plugin.mjs';

const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

export const sharedOptions = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  plugins: [wgslPlugin()],
  logLevel: 'warning',
};

/** Bundle one browser entry point in memory; returns the JavaScript text. */
export async function bundleToString(entryPoint) {
  const result = await esbuild.build({ ...sharedOptions, entryPoints: [entryPoint], write: false, sourcemap: 'inline' });
  return result.outputFiles[0].text;
}

/**
 * The npm package, in dist/lib: one ES module per source module (so an app's bundler keeps only
 * the modules it uses), each op with its WGSL and the WGSL's layout inlined, and
 * comlink in worker/client.js; worker/worker.js, TrainingWorker's worker script, self-contained;
 * node.js (`lenet-webgpu/node`), which leaves `webgpu` and node: modules to Node; and the .d.ts
 * declarations beside the modules (plus index.ts5.d.ts and node.ts5.d.ts for TypeScript 5).
 */
export async function buildLibrary(outdir = 'dist/lib') {
  await rm(outdir, { recursive: true, force: true });
  const workerScript = join('src', 'worker', 'worker.ts');
  const modules = readdirSync('src', { recursive: true })
    .map((file) => join('src', file))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && file !== workerScript);
  // Each module stays a module: imports of our own .ts files become imports of their .js output.
  const ownModulesExternal = {
    name: 'own-modules-external',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, (args) =>
        args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.ts$/, '.js'), external: true });
    },
  };
  // Unminified and without source maps: readable as shipped, and small.
  await Promise.all([
    esbuild.build({ ...sharedOptions, entryPoints: modules, outbase: 'src', outdir, external: ['node:*', 'webgpu'], plugins: [...sharedOptions.plugins, ownModulesExternal] }),
    esbuild.build({ ...sharedOptions, entryPoints: [workerScript], outfile: join(outdir, 'worker', 'worker.js') }),
    promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outdir]),
  ]);
  // Bundlers read "sideEffects" from the nearest package.json. The repository's own cannot say
  // false: its test and demo pages import files for their side effects.
  await writeFile(join(outdir, 'package.json'), `${JSON.stringify({ type: 'module', sideEffects: ['./worker/worker.js'] }, null, 2)}\n`);
  await Promise.all(['index', 'node'].map((entry) => writeFile(join(outdir, `${entry}.ts5.d.ts`), typeScript5Entry(entry))));
}

/**
 * TypeScript 5's DOM library has no WebGPU types, so apps on TypeScript 5 get the entry's
 * declarations with @webgpu/types referenced (package.json's "types@<6" condition). Newer
 * TypeScript declares WebGPU itself, and the reference would clash with it.
 */
function typeScript5Entry(entry) {
  return `/// <reference types="@webgpu/types" />\nexport * from './${entry}.js';\n`;
}

/**
 * The demo page as static files (index.html, style.css, main.js, and worker.js, the training
 * worker that main.js starts from beside itself): any static host can serve them.
 */
export async function buildDemo(outdir = 'dist/demo') {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await Promise.all([['demo/main.ts', 'main.js'], [join('src', 'worker', 'worker.ts'), 'worker.js']].map(([entry, file]) =>
    esbuild.build({ ...sharedOptions, entryPoints: [entry], outfile: `${outdir}/${file}`, sourcemap: 'linked', minify: true })));
  await Promise.all(['index.html', 'style.css'].map((file) => cp(`demo/${file}`, `${outdir}/${file}`)));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `node build.mjs library` builds the package only (npm pack's prepack).
  const libraryOnly = process.argv[2] === 'library';
  await Promise.all([buildLibrary(), ...(libraryOnly ? [] : [buildDemo()])]);
  console.log(libraryOnly ? 'built the package in dist/lib/' : 'built the package in dist/lib/ and the demo in dist/demo/');
}
