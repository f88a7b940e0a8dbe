import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { IDX_FILES } from '../src/data/dataset.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { FASHION_MNIST_DIR, hasFashionMnist, trainOnGpu } from './support/browser.ts';
import { REPO, installedPackage, run } from './support/pack.ts';
import { syntheticDataset } from './support/synthetic.ts';

const test = suite('node mode');

// Dawn finds Chromium's SwiftShader, the adapter the browser runs on here, so both sides match.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD };

const data = syntheticDataset(120, 40, 31);
const sameRun = { variantName: 'batchnorm', options: { seed: 6, batchSize: 16, validationSize: 20, evalBatchSize: 16, stepsPerSubmit: 2 }, steps: 10 };

interface NodeReport {
  adapter: { architecture: string; description: string };
  progress: number[];
  test: { loss: number; accuracy: number };
  weights: string;
  leftOver: number;
}

/** Run node with `args` in the folder `app`; its output, and whether it succeeded. */
async function node(app: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return run('node', args, { cwd: app, env, timeout: 240_000 }).then(
    ({ stdout, stderr }) => ({ ok: true, stdout, stderr }),
    (e: { stdout: string; stderr: string }) => ({ ok: false, stdout: e.stdout, stderr: e.stderr }));
}

/** The app with `webgpu` beside the package, as `npm install webgpu` would put it (linked: offline). */
async function appWithDawn(): Promise<string> {
  const { app } = await installedPackage();
  const link = join(app, 'node_modules', 'webgpu');
  if (!existsSync(link)) symlinkSync(join(REPO, 'node_modules', 'webgpu'), link, 'dir');
  return app;
}

test('without the optional `webgpu` package, Node mode says what to install', async () => {
  const { packageDir } = await installedPackage();
  // An app of its own, so that no `webgpu` is reachable from it, whatever ran before.
  const bare = mkdtempSync(join(tmpdir(), 'lenet-bare-'));
  cpSync(packageDir, join(bare, 'node_modules', 'lenet-webgpu'), { recursive: true });
  writeFileSync(join(bare, 'check.mjs'), "import { createNodeGpu } from 'lenet-webgpu/node';\nawait createNodeGpu().catch((e) => console.log(`${e.name}: ${e.message}`));\n");
  const result = await node(bare, ['check.mjs']);
  rmSync(bare, { recursive: true, force: true });
  assert.match(result.stdout, /^WebGPUUnavailableError: Node mode needs the optional peer dependency `webgpu` \(npm install webgpu\)/);
});

// Measured: Dawn in Node and Chromium's WebGPU on SwiftShader give the same bits (the kernels'
// reductions have a fixed order), so the tolerance is zero: losses, test metrics and every weight.
test('a few steps in Node through `webgpu` (Dawn) match the browser run on the same adapter bit for bit', async () => {
  const app = await appWithDawn();
  const dataDir = mkdtempSync(join(tmpdir(), 'lenet-node-data-'));
  for (const [key, file] of Object.entries(IDX_FILES)) writeFileSync(join(dataDir, file), Buffer.from(data.base64[key as keyof typeof IDX_FILES], 'base64'));
  copyFileSync(join(REPO, 'tests/embed/node-run.mjs'), join(app, 'node-run.mjs'));
  const [inNode, inBrowser] = await Promise.all([
    node(app, ['node-run.mjs', JSON.stringify({ ...sameRun, dataDir })]),
    trainOnGpu({ dataset: { base64: data.base64 }, variant: 'batchnorm', options: sameRun.options, budget: { steps: sameRun.steps }, evaluate: ['test'], exportWeights: true }),
  ]);
  rmSync(dataDir, { recursive: true, force: true });
  assert.ok(inNode.ok, inNode.stderr);
  assert.not.ok(inBrowser.error, inBrowser.error?.message);
  const report = JSON.parse(inNode.stdout.trim().split('\n').at(-1)!) as NodeReport;
  assert.is(report.adapter.architecture, 'swiftshader');
  assert.is(report.leftOver, 0, 'buffers left after disposing the trainer and the dataset');
  assert.equal(report.progress, inBrowser.progress.map((p) => p.trainLoss));
  assert.equal(report.test, inBrowser.evaluations.test);
  const ours = decodeSafetensors(new Uint8Array(Buffer.from(report.weights, 'base64'))).tensors;
  const theirs = decodeSafetensors(new Uint8Array(Buffer.from(inBrowser.weightsBase64!, 'base64'))).tensors;
  assert.equal([...ours.keys()], [...theirs.keys()]);
  for (const [name, tensor] of ours) assert.equal(Array.from(tensor.data), Array.from(theirs.get(name)!.data), name);
});

test('the README\'s Node example trains on Fashion-MNIST', async () => {
  assert.ok(hasFashionMnist(), `Fashion-MNIST not found in ${FASHION_MNIST_DIR}`);
  const app = await appWithDawn();
  await esbuild.build({ entryPoints: [join(REPO, 'examples/node.ts')], outfile: join(app, 'node-example.mjs'), bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'silent' });
  const result = await node(app, ['node-example.mjs']);
  assert.ok(result.ok, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.filter((l) => /^step \d+: loss \d+\.\d{3}$/.test(l)).map((l) => Number(/step (\d+)/.exec(l)![1])), [8, 16, 20]);
  assert.match(lines.at(-1)!, /^\d+ bytes of weights, trained in Node on SwiftShader/);
});

test.run();
