// Run by tests/node.test.ts inside a folder where the packed package is installed: trains with the
// options given as JSON in argv[2] through `lenet-webgpu/node`, prints one JSON report line.
import { Trainer, disposeDataset, uploadDataset, variant } from 'lenet-webgpu';
import { createNodeGpu, datasetFromDirectory } from 'lenet-webgpu/node';

const { dataDir, variantName, options, steps } = JSON.parse(process.argv[2]);
const gpu = await createNodeGpu();
const data = uploadDataset(gpu, await datasetFromDirectory('synthetic', dataDir));
const trainer = new Trainer(gpu, data, { ...options, variant: variant(variantName) });
const progress = [];
trainer.on('progress', (p) => progress.push(p.trainLoss));
await trainer.train({ steps });
const weights = Buffer.from(await trainer.exportWeights()).toString('base64');
const test = await trainer.evaluate('test');
trainer.dispose();
disposeDataset(gpu, data);
const leftOver = gpu.allocatedBuffers;
gpu.dispose();
gpu.device.destroy();
console.log(JSON.stringify({ adapter: gpu.adapter, progress, test, weights, leftOver }));
