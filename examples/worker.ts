import { TrainingWorker } from 'lenet-webgpu';

// Loads lenet-webgpu/worker.js from beside this module (or pass `worker: url`).
const dataset = { name: 'fashion-mnist', url: '/data/fashion-mnist/' };
const trainer = await TrainingWorker.create({ dataset, options: { seed: 1 } });
trainer.on('progress', (p) => console.log(`step ${p.globalStep}: loss ${p.trainLoss.toFixed(3)}`));
await trainer.train({ steps: 20 }); // the page stays responsive; trainer.stop() ends it early
const weights = await trainer.exportWeights(); // evaluate(), predictTest()… work as on Trainer
console.log(`${weights.length} bytes of weights, trained in a worker on ${trainer.adapter.architecture}`);
await trainer.dispose(); // frees the worker's GPU buffers and device, and ends it
