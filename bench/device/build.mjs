// Bundles the Node + Dawn benchmark (bench/node.ts) for the lent GPU machine, which has no npm:
// `webgpu` stays external and travels in .device/node_modules/webgpu (its JS here, its linux-x64
// dawn.node as .device/dawn.node.xz, unpacked by run.sh). commander is CommonJS, hence `require`.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';
import { sharedOptions } from '../../build.mjs';

await esbuild.build({
  ...sharedOptions,
  platform: 'node',
  mainFields: ['module', 'main'],
  entryPoints: ['bench/node.ts'],
  outfile: '.device/bench-node.mjs',
  external: ['webgpu'],
  // Aliased, as modules in the bundle (cli/datasets.ts, bench/serve.ts) import createRequire themselves.
  banner: { js: "import { createRequire as bannerCreateRequire } from 'node:module'; const require = bannerCreateRequire(import.meta.url);" },
});
mkdirSync('.device/node_modules/webgpu', { recursive: true });
for (const f of ['index.js', 'package.json']) cpSync(`node_modules/webgpu/${f}`, `.device/node_modules/webgpu/${f}`);
console.log('bundled .device/bench-node.mjs');
