/**
 * A model's weights as .safetensors with PyTorch's state_dict names and layouts: parameters,
 * batch norm's running statistics and num_batches_tracked — what `load_state_dict(strict=True)`
 * expects of the same LeNet-5.
 */
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type NamedTensor } from '../io/safetensors.ts';
import type { ModelState } from './state.ts';
import type { ModelTensor } from './types.ts';

/**
 * The model's float32 tensors, as exportWeights() writes them: the parameters in state_dict order
 * (conv1.weight [6, 1, 5, 5], conv1.bias, … fc2.bias [10]; with batch norm, bn1–bn3's weight and
 * bias after their conv's), then batch norm's running_mean and running_var. num_batches_tracked,
 * an integer count, is not among them.
 */
export async function readModelTensors(model: ModelState): Promise<ModelTensor[]> {
  const params = await model.readParameters();
  const stats = await model.readStatistics();
  return [
    ...model.specs.map((s) => ({ name: s.name, shape: [...s.shape], data: params.get(s.name)! })),
    ...model.statisticSpecs.map((s) => ({ name: s.name, shape: [...s.shape], data: stats.get(s.name)! })),
  ];
}

export async function encodeWeights(model: ModelState, metadata: Record<string, string>): Promise<Uint8Array> {
  const tensors: NamedTensor[] = (await readModelTensors(model)).map((t) => ({ ...t, dtype: 'F32' as const }));
  for (const bn of new Set(model.statisticSpecs.map((s) => s.name.split('.')[0]!))) {
    tensors.push({ name: `${bn}.num_batches_tracked`, dtype: 'I64', shape: [], data: [model.batchesTracked] });
  }
  return encodeSafetensors(tensors, { format: 'pt', variant: model.variant.name, ...metadata });
}

/** Weights that passed every check, ready to be written. */
export interface DecodedWeights {
  parameters: Map<string, ArrayLike<number>>;
  statistics: Map<string, ArrayLike<number>>;
  /** num_batches_tracked, when the file has it. */
  batchesTracked: number | undefined;
}

/** Check encodeWeights()'s bytes (or PyTorch's, with the same names) against `model`; writes nothing. */
export function decodeWeights(model: ModelState, bytes: Uint8Array, fileName: string): DecodedWeights {
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
    assertFinite(t, fileName);
    values.set(spec.name, t.data);
  }
  const trackedNames = [...tensors.keys()].filter((n) => n.endsWith('.num_batches_tracked'));
  const known = new Set([...expected.map((s) => s.name), ...trackedNames]);
  const extra = [...tensors.keys()].filter((n) => !known.has(n));
  if (extra.length) throw new SafetensorsError(`${fileName}: unexpected tensors ${extra.join(', ')} for variant ${variant}`);
  for (const name of trackedNames) {
    const t = tensors.get(name)!;
    if (t.data.length !== 1 || !Number.isInteger(t.data[0]) || t.data[0]! < 0) {
      throw new SafetensorsError(`${fileName}: ${name} must be one count ≥ 0, got [${Array.from(t.data).join(', ')}]`);
    }
  }
  return {
    parameters: new Map(model.specs.map((s) => [s.name, values.get(s.name)!])),
    statistics: new Map(model.statisticSpecs.map((s) => [s.name, values.get(s.name)!])),
    batchesTracked: trackedNames.length ? Number(tensors.get(trackedNames[0]!)!.data[0]) : undefined,
  };
}

/** Write weights decodeWeights() accepted. */
export function writeWeights(model: ModelState, weights: DecodedWeights): void {
  model.setParameters(weights.parameters);
  model.setStatistics(weights.statistics);
  if (weights.batchesTracked !== undefined) model.batchesTracked = weights.batchesTracked;
}

/** Refuse NaN and ±Inf, naming the tensor and the first bad element. */
export function assertFinite(tensor: NamedTensor, fileName: string): void {
  for (let i = 0; i < tensor.data.length; i++) {
    if (!Number.isFinite(tensor.data[i])) {
      throw new SafetensorsError(`${fileName}: ${tensor.name} holds ${tensor.data[i]} at element ${i}; every value must be finite`);
    }
  }
}
