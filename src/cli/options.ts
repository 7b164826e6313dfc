// Commander options from a config spec (src/engine/options.ts): one flag per field, named from its
// key, with its help and default; a value the field's parser refuses is commander's one-line error
// naming the flag.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UserError } from '../engine/errors.js';
import { flagName, type ArgType, type Field, type Spec } from '../engine/options.js';

function parser<T>(type: ArgType<T>): (raw: string, prev: T | undefined) => T {
  return (raw, prev) => {
    try {
      return type.parse(raw, prev);
    } catch (e) {
      if (e instanceof UserError) throw new InvalidArgumentError(e.message);
      throw e;
    }
  };
}

function toOption(key: string, f: Field): Option {
  const name = flagName(key);
  if (!('type' in f)) return f.value ? new Option(`--no-${name.slice(2)}`, f.help) : new Option(name, f.help).default(false);
  const o = new Option(`${name} ${f.type.arg}`, f.help).argParser(parser(f.type));
  if ('required' in f) o.makeOptionMandatory();
  if ('value' in f) o.default(f.value);
  return o;
}

/** Adds a flag for every field of `spec`, in its order. */
export function addOptions(cmd: Command, spec: Spec): Command {
  for (const [key, f] of Object.entries(spec)) cmd.addOption(toOption(key, f));
  return cmd;
}
