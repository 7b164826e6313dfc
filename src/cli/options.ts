// Typed parsers for CLI flag values: a wrong type is a one-line commander error naming the flag.
import { InvalidArgumentError } from 'commander';

export function intArg(min = 0): (v: string) => number {
  return (v) => {
    if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`expected an integer, got "${v}"`);
    const n = Number(v);
    if (n < min) throw new InvalidArgumentError(`must be ≥ ${min}, got ${n}`);
    return n;
  };
}

export function choiceArg<T extends string>(choices: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(choices as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${v}"`);
    return v as T;
  };
}

/** Repeatable flag: each occurrence is appended. */
export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** Comma-separated list. */
export function listArg(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

export function floatArg(min = -Infinity, max = Infinity): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
    if (n < min || n > max) throw new InvalidArgumentError(`must be in [${min}, ${max}], got ${n}`);
    return n;
  };
}
