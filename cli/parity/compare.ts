/** The numbers a parity run reports: per-step loss differences and per-tensor weight differences. */
import { decodeSafetensors } from '../../src/io/safetensors.ts';

/** |engine − torch| / |torch| per step. */
export function lossRelDiffs(engine: readonly number[], torch: readonly number[]): number[] {
  if (engine.length !== torch.length) throw new Error(`engine has ${engine.length} step losses, torch ${torch.length}`);
  return engine.map((e, i) => Math.abs(e - torch[i]!) / Math.abs(torch[i]!));
}

/**
 * max|a − b| / max|b| over a tensor: relative to the tensor's scale, not elementwise, so
 * elements near zero (biases, running means) do not blow the measure up. 0/0 counts as 0.
 */
export function tensorMaxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`tensor sizes differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff === 0 ? 0 : diff / scale;
}

/** tensorMaxRelDiff of every tensor of two state_dicts, which must hold the same names and shapes. */
export function weightDiffs(engineBytes: Uint8Array, torchBytes: Uint8Array): Record<string, number> {
  const engine = decodeSafetensors(engineBytes, 'engine weights').tensors;
  const torch = decodeSafetensors(torchBytes, 'torch weights').tensors;
  const names = [...engine.keys()];
  const missing = [...torch.keys()].filter((n) => !engine.has(n)).concat(names.filter((n) => !torch.has(n)));
  if (missing.length) throw new Error(`engine and torch state_dicts differ in names: ${missing.join(', ')}`);
  const diffs: Record<string, number> = {};
  for (const name of names) {
    const [e, t] = [engine.get(name)!, torch.get(name)!];
    if (e.shape.join() !== t.shape.join()) throw new Error(`${name}: engine [${e.shape}] vs torch [${t.shape}]`);
    diffs[name] = tensorMaxRelDiff(Array.from(e.data, Number), Array.from(t.data, Number));
  }
  return diffs;
}

export const maxOf = (values: Iterable<number>): number => Math.max(0, ...values);
