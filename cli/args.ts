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
