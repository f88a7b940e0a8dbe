/**
 * What the engine weighs in an app: the package's main entry, bundled for the browser and
 * minified as an app ships it. The shaders' layouts are reflected at build time
 * (wgsl-plugin.mjs), so the WGSL parser that once made this 375 kB is not in it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { installedPackage } from './support/pack.ts';

const test = suite('bundle size');

const LIMIT_BYTES = 250_000;

test(`the package's main entry bundles for the browser, minified, in at most ${LIMIT_BYTES / 1000} kB`, async () => {
  const { app } = await installedPackage();
  writeFileSync(join(app, 'everything.ts'), "import * as engine from 'lenet-webgpu';\n(globalThis as Record<string, unknown>).engine = engine;\n");
  const result = await esbuild.build({
    entryPoints: [join(app, 'everything.ts')], absWorkingDir: app, bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', minify: true, write: false, logLevel: 'silent',
  });
  const bundle = result.outputFiles[0]!.text;
  // All of it is there: every op's shader, with its layout as data.
  for (const entryPoint of ['conv_weight_partials', 'batchnorm_backward', 'adam_step', 'softmax_ce_predict', 'tanh_pool_forward']) {
    assert.ok(bundle.includes(`fn ${entryPoint}(`), `${entryPoint} is missing from the bundle`);
  }
  assert.ok(bundle.includes('workgroupSize'), 'the shader layouts are missing from the bundle');
  const bytes = Buffer.byteLength(bundle);
  assert.ok(bytes <= LIMIT_BYTES, `${bytes} bytes minified, over ${LIMIT_BYTES}`);
});

test.run();
