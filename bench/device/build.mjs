// Bundles the device benchmark for Node (the device machine has no npm): `webgpu` stays external
// and is carried in .device/node_modules/webgpu with its linux-x64 dawn.node.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';
import { sharedOptions } from '../../build.mjs';

await esbuild.build({ ...sharedOptions, platform: 'node', mainFields: ['module', 'main'], entryPoints: ['bench/device/node-bench.ts'], outfile: '.device/node-bench.mjs', external: ['webgpu'] });
mkdirSync('.device/node_modules/webgpu', { recursive: true });
for (const f of ['index.js', 'package.json']) cpSync(`node_modules/webgpu/${f}`, `.device/node_modules/webgpu/${f}`);
console.log('bundled .device/node-bench.mjs');
