// Option specs: each stage's config is written once, as a spec whose fields carry the value kind,
// the default and a one-line help; its type (ConfigOf), its defaults (defaultsOf) and its CLI flags
// (src/cli/options.ts: camelCase key ↔ --kebab-flag) all come from it. No commander here.
//
// How to write one (a stage `foo`, in its folder's config.ts):
//   export const FOO_SPEC = {
//     data: req(text('<dir>'), 'data set folder (from `recexplainer data`)'), // --data <dir>, mandatory
//     maxLen: opt(200, int(1), 'history window'),                             // --max-len <n>, default 200, integer ≥ 1
//     loss: opt('bce', choice(['bce', 'ce']), 'bce or ce'),                 // one of the choices
//     teacherUrl: maybe(text('<url>'), 'endpoint of a teacher LLM'),          // no default: undefined when not given
//     explanations: flag('skip task 7', true),                               // a switch; default true → --no-explanations
//     quiet: flag('no progress bars'),                                      // default false → --quiet
//   } satisfies Spec;
//   export type FooConfig = ConfigOf<typeof FOO_SPEC>;  // (interface … extends it to add non-flag fields)
//   export const FOO_DEFAULTS = defaultsOf(FOO_SPEC);     // the fields with a default
//   export function validateFooConfig(cfg: FooConfig): void  // combinations → UserError naming both flags
// and in src/cli/foo.ts: addOptions(new Command('foo').description(…), FOO_SPEC).action(…).
// Parsers throw UserError (the CLI turns it into commander's one-line error naming the flag).
import { UserError } from './errors.js';

/** How one flag's text becomes a value. `prev` is the value so far (repeatable flags append to it). */
export interface ArgType<T> {
  readonly arg: string; // the placeholder in --help, e.g. '<n>'
  parse(raw: string, prev: T | undefined): T;
}

/** A field with a default. */
export interface Defaulted<T> {
  readonly type: ArgType<T>;
  readonly value: T;
  readonly help: string;
}

/** A field that must be given. */
export interface Mandatory<T> {
  readonly type: ArgType<T>;
  readonly required: true;
  readonly help: string;
}

/** A field that may be absent (undefined). */
export interface Optional<T> {
  readonly type: ArgType<T>;
  readonly help: string;
}

/** A boolean switch: --name when the default is false, --no-name when it is true. */
export interface Switch {
  readonly value: boolean;
  readonly help: string;
}

export type Field = Defaulted<unknown> | Mandatory<unknown> | Optional<unknown> | Switch;
export type Spec = Readonly<Record<string, Field>>;

export function opt<T>(value: NoInfer<T>, type: ArgType<T>, help: string): Defaulted<T> {
  return { type, value, help };
}

export function req<T>(type: ArgType<T>, help: string): Mandatory<T> {
  return { type, required: true, help };
}

export function maybe<T>(type: ArgType<T>, help: string): Optional<T> {
  return { type, help };
}

export function flag(help: string, value = false): Switch {
  return { value, help };
}

type TypeOf<F> = F extends { readonly type: ArgType<infer T> } ? T : boolean;
type Present<S> = { [K in keyof S]: S[K] extends { readonly value: unknown } | { readonly required: true } ? K : never }[keyof S];
type Defaults<S> = { [K in keyof S]: S[K] extends { readonly value: unknown } ? K : never }[keyof S];

/** The config a spec describes: fields with a default or required are always there, the others optional. */
export type ConfigOf<S extends Spec> = { [K in Present<S>]: TypeOf<S[K]> } & { [K in Exclude<keyof S, Present<S>>]?: TypeOf<S[K]> };

/** The fields of a spec that have a default, with it. */
export type DefaultsOf<S extends Spec> = { [K in Defaults<S>]: TypeOf<S[K]> };

export function defaultsOf<S extends Spec>(spec: S): DefaultsOf<S> {
  return Object.fromEntries(
    Object.entries(spec)
      .filter(([, f]) => 'value' in f)
      .map(([k, f]) => [k, (f as Defaulted<unknown>).value]),
  ) as DefaultsOf<S>;
}

/** The flag of a config key: maxLen → --max-len, task2Items → --task2-items. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function int(min = 0, arg = '<n>'): ArgType<number> {
  return {
    arg,
    parse(v) {
      if (!/^-?\d+$/.test(v.trim())) throw new UserError(`expected an integer, got "${v}"`);
      const n = Number(v);
      if (n < min) throw new UserError(`must be ≥ ${min}, got ${n}`);
      return n;
    },
  };
}

export function float(min = -Infinity, max = Infinity, arg = '<x>'): ArgType<number> {
  return {
    arg,
    parse(v) {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`expected a number, got "${v}"`);
      if (n < min || n > max) throw new UserError(`must be in [${min}, ${max}], got ${n}`);
      return n;
    },
  };
}

export function choice<const T extends string>(choices: readonly T[], arg = '<name>'): ArgType<T> {
  return {
    arg,
    parse(v) {
      if (!(choices as readonly string[]).includes(v)) throw new UserError(`expected one of ${choices.join(', ')}, got "${v}"`);
      return v as T;
    },
  };
}

export function text(arg = '<text>'): ArgType<string> {
  return { arg, parse: (v) => v };
}

/** Comma-separated; with `choices`, each entry must be one of them. */
export function list<const T extends string = string>(choices?: readonly T[], arg = '<list>'): ArgType<T[]> {
  return {
    arg,
    parse(v) {
      const named = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = named.find((s) => choices && !(choices as readonly string[]).includes(s));
      if (bad !== undefined) throw new UserError(`expected entries among ${choices?.join(', ')}, got "${bad}"`);
      return named as T[];
    },
  };
}

/** Repeatable: each occurrence is appended. */
export function repeat(arg = '<path>'): ArgType<string[]> {
  return { arg, parse: (v, prev) => [...(prev ?? []), v] };
}
