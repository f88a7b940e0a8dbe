/**
 * The device's ceiling for dense f32 math as we can reach it in WGSL: matmul.wgsl over a few
 * register tiles and workgroup sizes, each checked against the CPU on sampled entries and timed
 * to the GPU's completion.
 */
import { foldWorkgroups } from '../src/gpu/dispatch.ts';
import matmul from './matmul.wgsl';

export interface MatmulConfig {
  /** Rows of C per invocation. */
  rows: number;
  /** Columns of C per invocation; matmul.wgsl has 4×4, 4×8, 8×4, 8×8, 8×16 and 16×8 (NT: 4×4, 8×8). */
  cols: number;
  workgroup: number;
  /** B stored K×N (C = A·B) or N×K (C = A·Bᵀ, entry points mm_nt_RxC). */
  transposedB?: boolean;
}

export interface MatmulResult extends MatmulConfig {
  size: number;
  /** Multiplies per timed run (one dispatch each, one submit). */
  repeats: number;
  /** GFLOP/s (2·size³ per multiply) of each timed run. */
  gflops: number[];
}

/** Small integers, so every dot product is exact in f32 and the check can be exact too. */
function matrix(size: number, salt: number): Float32Array {
  return Float32Array.from({ length: size * size }, (_, i) => ((i * 7 + salt) % 5) - 2);
}

function checkSample(size: number, a: Float32Array, b: Float32Array, c: Float32Array, config: MatmulConfig): void {
  for (let s = 0; s < 64; s++) {
    const row = (s * 131) % size;
    const col = (s * 977 + 3) % size;
    let expected = 0;
    for (let k = 0; k < size; k++) expected += a[row * size + k]! * (config.transposedB ? b[col * size + k]! : b[k * size + col]!);
    if (c[row * size + col] !== expected) {
      throw new Error(`matmul ${config.rows}×${config.cols}/${config.workgroup}: C[${row}, ${col}] = ${c[row * size + col]}, expected ${expected}`);
    }
  }
}

export async function matmulCeiling(device: GPUDevice, size: number, configs: MatmulConfig[], repetitions: number): Promise<MatmulResult[]> {
  const module = device.createShaderModule({ label: matmul.name, code: matmul.code });
  const a = matrix(size, 1);
  const b = matrix(size, 3);
  const bytes = size * size * 4;
  const storage = (label: string, data?: Float32Array) => {
    const buffer = device.createBuffer({ label, size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    if (data) device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  };
  const bufA = storage('a', a);
  const bufB = storage('b', b);
  const bufC = storage('c');
  const dims = device.createBuffer({ label: 'dims', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(dims, 0, new Uint32Array([size, size, size, 0]));
  const staging = device.createBuffer({ label: 'c.readback', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const results: MatmulResult[] = [];
  try {
    for (const config of configs) {
      if (size % config.rows || size % config.cols) throw new RangeError(`matmul tile ${config.rows}×${config.cols} does not divide ${size}`);
      const pipeline = await device.createComputePipelineAsync({
        label: `matmul ${config.rows}×${config.cols}/${config.workgroup}`,
        layout: 'auto',
        compute: { module, entryPoint: `mm_${config.transposedB ? 'nt_' : ''}${config.rows}x${config.cols}`, constants: { WORKGROUP: config.workgroup } },
      });
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [dims, bufA, bufB, bufC].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      const tiles = (size / config.rows) * (size / config.cols);
      const grid = foldWorkgroups(Math.ceil(tiles / config.workgroup), device.limits.maxComputeWorkgroupsPerDimension);
      /** Seconds for `repeats` back-to-back multiplies in one pass, to the GPU's completion. */
      const run = async (repeats: number): Promise<number> => {
        const started = performance.now();
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        for (let r = 0; r < repeats; r++) pass.dispatchWorkgroups(...grid);
        pass.end();
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        return (performance.now() - started) / 1000;
      };
      device.queue.writeBuffer(bufC, 0, new Float32Array(size * size));
      // A real GPU multiplies 1024³ in well under a millisecond: repeat it until a run lasts ~0.2 s
      // (timed after a first run, which may include compilation).
      await run(1);
      const repeats = Math.max(1, Math.ceil(0.2 / await run(1)));
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(bufC, 0, staging, 0, bytes);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      checkSample(size, a, b, new Float32Array(staging.getMappedRange().slice(0)), config);
      staging.unmap();
      const gflops: number[] = [];
      for (let r = 0; r < repetitions; r++) gflops.push((2 * size ** 3 * repeats) / (await run(repeats)) / 1e9);
      results.push({ ...config, size, repeats, gflops });
    }
  } finally {
    for (const buffer of [bufA, bufB, bufC, dims, staging]) buffer.destroy();
  }
  return results;
}
