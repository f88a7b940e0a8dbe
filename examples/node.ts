import { Trainer, uploadDataset, variant } from 'lenet-webgpu';
import { createNodeGpu, datasetFromDirectory } from 'lenet-webgpu/node';

// Needs `npm install webgpu` (Dawn); on Linux also libvulkan1 and a Vulkan driver (see the README).
const gpu = await createNodeGpu();
const data = uploadDataset(gpu, await datasetFromDirectory('fashion-mnist', '/usr/share/datasets/fashion-mnist'));
const trainer = new Trainer(gpu, data, { variant: variant('batchnorm'), seed: 1 });
trainer.on('progress', (p) => console.log(`step ${p.globalStep}: loss ${p.trainLoss.toFixed(3)}`));
await trainer.train({ steps: 20 });
const weights = await trainer.exportWeights();
console.log(`${weights.length} bytes of weights, trained in Node on ${gpu.adapter.description}`);
gpu.dispose(); // frees every buffer of the engine: trainers and datasets alike
