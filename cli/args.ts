/** Option parsers for commander that name the option and the allowed values when they refuse one. */
import { InvalidArgumentError } from 'commander';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected an integer in [${min}, ${max}]`);
    return n;
  };
}

export function number(min: number, max: number, { openMin = false, openMax = false } = {}): (value: string) => number {
  return (value) => {
    const n = Number(value);
    const ok = value.trim() !== '' && Number.isFinite(n) && (openMin ? n > min : n >= min) && (openMax ? n < max : n <= max);
    if (!ok) throw new InvalidArgumentError(`expected a number in ${openMin ? '(' : '['}${min}, ${max}${openMax ? ')' : ']'}`);
    return n;
  };
}

/** A comma-separated list without repeats, each item checked by `item` (whose error names what it allows). */
export function list<T>(item: (value: string) => T): (value: string) => T[] {
  return (value) => {
    const items = value.split(',').map((s) => item(s.trim()));
    if (new Set(items).size !== items.length) throw new InvalidArgumentError('expected a comma-separated list without repeats');
    return items;
  };
}

/** One of `allowed`, for use inside list(); a single-value option should use commander's Option.choices(). */
export function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`'${value}' is not one of ${allowed.join(', ')}`);
    return value as T;
  };
}

/** The command-line spelling of a commander key (it camel-cases --batch-size to batchSize). */
export function optionName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The options given on this command line that contradict a stored run's, each as
 * "--option X (FILE has Y)", for a --resume that must continue the same run.
 */
export function optionConflicts<T extends object>(stored: T, given: Partial<T>, keys: readonly (keyof T & string)[], file: string): string[] {
  return keys.filter((k) => k in given && JSON.stringify(given[k]) !== JSON.stringify(stored[k]))
    .map((k) => `${optionName(k)} ${JSON.stringify(given[k])} (${file} has ${JSON.stringify(stored[k])})`);
}
