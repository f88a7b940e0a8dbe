/** Demo page (placeholder until the study page lands): reports the adapter and runs one kernel. */
import { Gpu, Tanh } from '../src/index.ts';

const status = document.getElementById('status')!;
const adapterInfo = document.getElementById('adapter')!;

async function main(): Promise<void> {
  const gpu = await Gpu.create();
  adapterInfo.textContent = JSON.stringify({ adapter: gpu.adapter, features: gpu.features }, null, 2);
  const x = gpu.tensor('x', [5], 'f32', [-2, -1, 0, 1, 2]);
  const y = gpu.tensor('y', [5]);
  gpu.run(new Tanh(gpu, [5]).forward(x, y));
  const values = Array.from(await gpu.read(y), (v) => v.toFixed(4));
  status.textContent = `WebGPU works: tanh([-2, -1, 0, 1, 2]) = [${values.join(', ')}] on the GPU.`;
}

main().catch((error: Error) => {
  status.className = 'error';
  status.textContent = `${error.name}: ${error.message}`;
});
