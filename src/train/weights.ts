/**
 * A model's weights as .safetensors with PyTorch's state_dict names and layouts: parameters,
 * batch norm's running statistics and num_batches_tracked — what `load_state_dict(strict=True)`
 * expects of the same LeNet-5.
 */
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type NamedTensor } from '../io/safetensors.ts';
import type { ModelState } from './state.ts';

export async function encodeWeights(model: ModelState, metadata: Record<string, string>): Promise<Uint8Array> {
  const params = await model.readParameters();
  const stats = await model.readStatistics();
  const tensors: NamedTensor[] = model.specs.map((s) => ({ name: s.name, dtype: 'F32' as const, shape: s.shape, data: params.get(s.name)! }));
  for (const s of model.statisticSpecs) tensors.push({ name: s.name, dtype: 'F32', shape: s.shape, data: stats.get(s.name)! });
  for (const bn of new Set(model.statisticSpecs.map((s) => s.name.split('.')[0]!))) {
    tensors.push({ name: `${bn}.num_batches_tracked`, dtype: 'I64', shape: [], data: [model.batchesTracked] });
  }
  return encodeSafetensors(tensors, { format: 'pt', variant: model.variant.name, ...metadata });
}

/** Load encodeWeights()'s bytes (or PyTorch's, with the same names) into `model`; all or nothing. */
export function decodeWeightsInto(model: ModelState, bytes: Uint8Array, fileName: string): void {
  const variant = model.variant.name;
  const { tensors } = decodeSafetensors(bytes, fileName);
  const expected = [...model.specs, ...model.statisticSpecs];
  const values = new Map<string, ArrayLike<number>>();
  for (const spec of expected) {
    const t = tensors.get(spec.name);
    if (!t) throw new SafetensorsError(`${fileName}: missing ${spec.name} [${spec.shape.join(', ')}] (variant ${variant})`);
    if (t.dtype !== 'F32' || t.shape.join() !== spec.shape.join()) {
      throw new SafetensorsError(`${fileName}: ${spec.name} is ${t.dtype} [${t.shape.join(', ')}], expected F32 [${spec.shape.join(', ')}]`);
    }
    values.set(spec.name, t.data);
  }
  const known = new Set([...expected.map((s) => s.name), ...[...tensors.keys()].filter((n) => n.endsWith('.num_batches_tracked'))]);
  const extra = [...tensors.keys()].filter((n) => !known.has(n));
  if (extra.length) throw new SafetensorsError(`${fileName}: unexpected tensors ${extra.join(', ')} for variant ${variant}`);
  model.setParameters(new Map(model.specs.map((s) => [s.name, values.get(s.name)!])));
  model.setStatistics(new Map(model.statisticSpecs.map((s) => [s.name, values.get(s.name)!])));
  const tracked = [...tensors.values()].find((t) => t.name.endsWith('.num_batches_tracked'));
  if (tracked) model.batchesTracked = Number(tracked.data[0]);
}
