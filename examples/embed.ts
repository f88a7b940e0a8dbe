import { Gpu, Trainer, datasetFromUrl, disposeDataset, uploadDataset, variant } from 'lenet-webgpu';

const gpu = await Gpu.create(); // or new Gpu(yourDevice)
const data = uploadDataset(gpu, await datasetFromUrl('fashion-mnist', '/data/fashion-mnist/'));
const trainer = new Trainer(gpu, data, { variant: variant('batchnorm'), seed: 1 });
trainer.on('progress', (p) => console.log(`step ${p.globalStep}: loss ${p.trainLoss.toFixed(3)}`));
await trainer.train({ steps: 20 }); // or { epochs: 5 }; trainer.stop() ends it early
const test = await trainer.evaluate('test');
const predicted = await trainer.predictTest(8); // classes of the first 8 test images
const weights = await trainer.exportWeights(); // .safetensors bytes, for importWeights() or PyTorch
console.log(`test accuracy ${(100 * test.accuracy).toFixed(1)}%, predicted ${predicted.join(' ')}`);
trainer.dispose();
disposeDataset(gpu, data);
console.log(`${weights.length} bytes of weights; ${gpu.allocatedBuffers} GPU buffers left`);
