// Where f comes from, one option group for every command that takes f (tasks, align): a train-rec
// folder (--rec), a user tower exported to ONNX with its item table (--rec-onnx, --item-embeddings
// and the --onnx-* flags), or fixed user and item tables (--rec-embeddings). recSource() checks
// that exactly one is named and returns it with absolute paths; the tasks folder's config.json
// keeps the flags, so later stages read the same f back through it.
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../engine/errors.js';
import { flagName, int, maybe, text, type ConfigOf, type Spec } from '../engine/options.js';
import { DEFAULT_MAX_LEN, type OnnxFlags } from './onnx_binding.js';

/** The option group; `note` ends --rec's help (e.g. the default a command has). */
export function recSpec(note = '') {
  return {
    rec: maybe(text('<dir>'), `target model f: a train-rec output folder${note}`),
    recOnnx: maybe(
      text('<file>'),
      'f as a user tower exported to ONNX: item-id histories [B, L] → user vectors [B, d] (with --item-embeddings)',
    ),
    itemEmbeddings: maybe(
      text('<file>'),
      "--rec-onnx's item table [nItems + 1, d], .safetensors or .npy (row 0: padding, row i: item id i)",
    ),
    onnxInput: maybe(
      text('<name>'),
      "--rec-onnx: the history input (default: the graph's one input that is not a mask, length or user id)",
    ),
    onnxMask: maybe(
      text('<name>'),
      '--rec-onnx: a mask [B, L] (1 = item) or length [B] input (default: one named mask, lengths …, if any)',
    ),
    onnxUser: maybe(text('<name>'), '--rec-onnx: a 0-based user-id input [B] (default: one named user_id, user …, if any)'),
    onnxOutput: maybe(text('<name>'), "--rec-onnx: the user-vector output (default: the graph's only output)"),
    onnxMaxLen: maybe(
      int(1),
      `--rec-onnx: history length L; the last L items, left-padded with 0 (default: the graph's fixed length, else ${DEFAULT_MAX_LEN})`,
    ),
    recEmbeddings: maybe(
      text('<users,items>'),
      'f as fixed user vectors [nUsers, d] and an item table [nItems + 1, d] (.safetensors or .npy each; MF-like: no leave-one-out)',
    ),
  } satisfies Spec;
}

export type RecFlags = ConfigOf<ReturnType<typeof recSpec>>;

export type RecSource =
  | { kind: 'folder'; dir: string }
  | ({ kind: 'onnx'; model: string; items: string } & OnnxFlags)
  | { kind: 'embeddings'; users: string; items: string };

const abs = (p: string) => (isAbsolute(p) ? p : resolve(p));
const ONNX_ONLY = ['itemEmbeddings', 'onnxInput', 'onnxMask', 'onnxUser', 'onnxOutput', 'onnxMaxLen'] as const;

/** The f the flags name; undefined when they name none and `optional`, else a one-line UserError for none, two, or stray flags. */
export function recSource(flags: RecFlags): RecSource;
export function recSource(flags: RecFlags, optional: true): RecSource | undefined;
export function recSource(flags: RecFlags, optional = false): RecSource | undefined {
  const named = (['rec', 'recOnnx', 'recEmbeddings'] as const).filter((k) => flags[k] !== undefined);
  if (named.length > 1) throw new UserError(`${named.map(flagName).join(' and ')}: name one target model f`);
  const stray = ONNX_ONLY.filter((k) => flags[k] !== undefined);
  if (named[0] !== 'recOnnx' && stray.length) throw new UserError(`${stray.map(flagName).join(', ')}: only with --rec-onnx`);
  if (flags.rec !== undefined) return { kind: 'folder', dir: abs(flags.rec) };
  if (flags.recOnnx !== undefined) {
    if (flags.itemEmbeddings === undefined) throw new UserError("--rec-onnx needs --item-embeddings (f's item table)");
    const { onnxInput: input, onnxMask: mask, onnxUser: user, onnxOutput: output, onnxMaxLen: maxLen } = flags;
    const given = Object.entries({ input, mask, user, output, maxLen }).filter(([, v]) => v !== undefined);
    return { kind: 'onnx', model: abs(flags.recOnnx), items: abs(flags.itemEmbeddings), ...Object.fromEntries(given) };
  }
  if (flags.recEmbeddings !== undefined) {
    const parts = flags.recEmbeddings.split(',').map((s) => s.trim());
    if (parts.length !== 2 || parts.some((p) => p === ''))
      throw new UserError(`--rec-embeddings ${flags.recEmbeddings}: expected two files, <users>,<items>`);
    return { kind: 'embeddings', users: abs(parts[0]), items: abs(parts[1]) };
  }
  if (optional) return undefined;
  throw new UserError(
    'name the target model f: --rec <dir>, --rec-onnx <file> with --item-embeddings <file>, or --rec-embeddings <users>,<items>',
  );
}

/** f in words, for messages: the folder, or the files. */
export function describeRec(src: RecSource): string {
  if (src.kind === 'folder') return src.dir;
  if (src.kind === 'onnx') return `${src.model} (ONNX) with ${src.items}`;
  return `${src.users},${src.items} (fixed user vectors)`;
}
