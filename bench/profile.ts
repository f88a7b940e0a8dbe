/**
 * Per-kernel time of one training step from timestamp-query. The step is planned with the
 * trainer's own pieces (StepPlanner, ModelState, Workspace, Adam) and recorded one compute pass
 * per dispatch, each pass writing a timestamp at its start and end, so every kernel is timed on
 * its own. Each dispatch is named by its kernel and by the tensors it binds.
 */
import type { Dispatch } from '../src/gpu/dispatch.ts';
import type { Gpu } from '../src/gpu/gpu.ts';
import { variant, type VariantName } from '../src/model/variants.ts';
import { Adam, METRICS } from '../src/ops/index.ts';
import { packStep, STEP_BYTES } from '../src/ops/step.ts';
import { DEFAULT_OPTIMIZER, DEFAULT_OPTIONS } from '../src/train/options.ts';
import { StepPlanner, type DataSource } from '../src/train/plan.ts';
import { ModelState } from '../src/train/state.ts';
import type { ResidentDataset } from '../src/data/resident.ts';
import { Workspace } from '../src/train/workspace.ts';

export interface KernelTiming {
  /** Position in the step. */
  index: number;
  kernel: string;
  workgroups: readonly [number, number, number];
  /** Storage tensors the dispatch binds (parameter and gradient slots by name). */
  tensors: string[];
  /** Milliseconds, one value per repetition. */
  ms: number[];
}

/** Name every storage binding of the bind groups created while `plan` runs. */
function recordBindings<T>(device: GPUDevice, names: (binding: GPUBufferBinding) => string, plan: () => T): { result: T; tensors: Map<GPUBindGroup, string[]> } {
  const tensors = new Map<GPUBindGroup, string[]>();
  const create = device.createBindGroup;
  device.createBindGroup = (descriptor: GPUBindGroupDescriptor) => {
    const group = create.call(device, descriptor);
    const labels: string[] = [];
    for (const entry of descriptor.entries) {
      const binding = entry.resource as GPUBufferBinding;
      if (binding.buffer && binding.buffer.usage & GPUBufferUsage.STORAGE) labels.push(names(binding));
    }
    tensors.set(group, labels);
    return group;
  };
  try {
    return { result: plan(), tensors };
  } finally {
    device.createBindGroup = create;
  }
}

export async function profileStep(gpu: Gpu, data: ResidentDataset, name: VariantName, batch: number, repetitions: number): Promise<KernelTiming[]> {
  if (!gpu.features.includes('timestamp-query')) throw new Error('the adapter offers no timestamp-query');
  const device = gpu.device;
  const before = new Set(gpu.trackedBuffers);
  const model = new ModelState(gpu, variant(name), 0);
  const step = gpu.buffer('step', STEP_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  device.queue.writeBuffer(step, 0, packStep({ step: 1, seed: 0, lr: DEFAULT_OPTIMIZER.lr, batch_start: 0 }));
  const metrics = gpu.tensor('metrics.train', [METRICS.length]);
  const source: DataSource = {
    name: 'train', pixels: data.train.pixels, labels: data.train.labels, images: data.train.count,
    order: gpu.tensor('order.train', [batch], 'u32', Uint32Array.from({ length: batch }, (_, i) => i % data.train.count)),
  };
  const slots = new Map<string, string>();
  for (const arena of [model.params, model.grads, model.moment1, model.moment2]) {
    for (const t of arena.tensors.values()) slots.set(`${t.buffer.label}@${t.byteOffset}+${t.bytes}`, t.label);
  }
  // A binding of exactly one slot's range is that parameter; the whole arena keeps the arena's name.
  const names = (b: GPUBufferBinding) => slots.get(`${b.buffer.label}@${b.offset ?? 0}+${b.size}`) ?? b.buffer.label;
  const { result: dispatches, tensors } = recordBindings(device, names, () => {
    const planner = new StepPlanner(gpu, model, new Workspace(gpu, batch), new Workspace(gpu, batch), step, DEFAULT_OPTIONS.normalization);
    const adam = new Adam(gpu, { count: model.params.elements, weightDecay: variant(name).weightDecay });
    return [
      ...planner.train(source, batch, metrics),
      ...adam.step(model.params.flat, model.grads.flat, model.moment1.flat, model.moment2.flat, step),
    ].filter((d) => d.workgroups[0] * d.workgroups[1] * d.workgroups[2] > 0);
  });
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * dispatches.length });
  const resolved = device.createBuffer({ size: 16 * dispatches.length, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ size: 16 * dispatches.length, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const timings: KernelTiming[] = dispatches.map((d: Dispatch, index) => ({
    index, kernel: `${d.kernel.shader}:${d.kernel.entryPoint}`, workgroups: d.workgroups, tensors: tensors.get(d.bindGroup) ?? [], ms: [],
  }));
  try {
    // The first run compiles nothing (pipelines exist) but warms SwiftShader's caches; it is not kept.
    for (let rep = -1; rep < repetitions; rep++) {
      const encoder = device.createCommandEncoder({ label: 'profile' });
      dispatches.forEach((d, i) => {
        const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
        pass.setPipeline(d.kernel.pipeline);
        pass.setBindGroup(0, d.bindGroup);
        pass.dispatchWorkgroups(...d.workgroups);
        pass.end();
      });
      encoder.resolveQuerySet(querySet, 0, 2 * dispatches.length, resolved, 0);
      encoder.copyBufferToBuffer(resolved, 0, staging, 0, 16 * dispatches.length);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      if (rep >= 0) timings.forEach((t, i) => t.ms.push(Number(stamps[2 * i + 1]! - stamps[2 * i]!) / 1e6));
    }
  } finally {
    querySet.destroy();
    resolved.destroy();
    staging.destroy();
    for (const b of gpu.trackedBuffers) if (!before.has(b)) gpu.release(b);
  }
  return timings;
}
