// Bundles the engine (ESM library), the demo page and the test harness with esbuild.
// WGSL files are imported as text (`.wgsl` → string), so shaders live in shaders/ as real files.
import * as esbuild from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

export const sharedOptions = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  loader: { '.wgsl': 'text' },
  logLevel: 'warning',
};

/** Bundle one browser entry point in memory; returns the JavaScript text. */
export async function bundleToString(entryPoint) {
  const result = await esbuild.build({ ...sharedOptions, entryPoints: [entryPoint], write: false, sourcemap: 'inline' });
  return result.outputFiles[0].text;
}

export async function buildLibrary(outdir = 'dist') {
  await esbuild.build({ ...sharedOptions, entryPoints: ['src/index.ts'], outfile: `${outdir}/engine.js`, sourcemap: 'linked' });
}

export async function buildDemo(outdir = 'dist/demo') {
  await mkdir(outdir, { recursive: true });
  await esbuild.build({ ...sharedOptions, entryPoints: ['demo/main.ts'], outfile: `${outdir}/main.js`, sourcemap: 'linked' });
  await cp('demo/index.html', `${outdir}/index.html`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await Promise.all([buildLibrary(), buildDemo()]);
  console.log('built dist/engine.js and dist/demo/');
}
