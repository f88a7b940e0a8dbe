/**
 * The checks every op makes of its config, in one message style: the op's class name, the field,
 * what it must be, and the value given, e.g. `Conv2d: batch must be a positive integer, got 0`.
 */

/**
 * A config value an op cannot take. It extends RangeError and keeps that name, so code that
 * catches RangeError, or reads error.name, still does; `instanceof OpConfigError` tells it apart.
 */
export class OpConfigError extends RangeError {}

/** A value as a range message shows it: strings quoted, so '0.99' and 0.99 read differently. */
function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** `value`, unless it is not a positive integer. */
export function positiveInteger(op: string, field: string, value: unknown): number {
  if (!isInteger(value) || value <= 0) throw new OpConfigError(`${op}: ${field} must be a positive integer, got ${String(value)}`);
  return value;
}

/** Check that each of `fields` of `config` is a positive integer. */
export function positiveIntegers(op: string, config: object | null | undefined, fields: readonly string[]): void {
  for (const field of fields) positiveInteger(op, field, (config as Record<string, unknown> | null | undefined)?.[field]);
}

/** `value`, unless it is not a non-negative integer. */
export function nonNegativeInteger(op: string, field: string, value: unknown): number {
  if (!isInteger(value) || value < 0) throw new OpConfigError(`${op}: ${field} must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** `value`, unless it is not a finite number with low ≤ value (low < value if lowExclusive) and value < high when given. */
export function inRange(op: string, field: string, value: unknown, low: number, high?: number, lowExclusive = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) &&
    (lowExclusive ? value > low : value >= low) && (high === undefined || value < high);
  if (!ok) {
    const range = high === undefined ? (lowExclusive ? `> ${low}` : `>= ${low}`) : `in [${low}, ${high})`;
    throw new OpConfigError(`${op}: ${field} must be ${range}, got ${shown(value)}`);
  }
  return value as number;
}

/** The number of elements of `shape`, unless one of its dimensions is not a positive integer. */
export function shapeSize(op: string, field: string, shape: readonly number[]): number {
  let size = 1;
  for (const [axis, dim] of shape.entries()) {
    if (!isInteger(dim) || dim <= 0) {
      throw new OpConfigError(`${op} ${field}: dimension ${axis} of shape [${shape.join(', ')}] must be a positive integer, got ${String(dim)}`);
    }
    size *= dim;
  }
  return size;
}

/** Throw an OpConfigError `${op}: ${message}`, for the checks particular to one op. */
export function refuse(op: string, message: string): never {
  throw new OpConfigError(`${op}: ${message}`);
}
