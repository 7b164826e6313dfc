// Which input of an ONNX user tower is which, from the graph's inputs and outputs and the
// --onnx-* flags. Inputs: the item-id history [B, L] (int64 or int32); optionally a mask [B, L]
// (1 = item, 0 = padding; bool, float32, int64 or int32) or a length [B] (int64 or int32), found
// by --onnx-mask or a name such as "mask" / "lengths"; optionally user ids [B] (0-based, int64 or
// int32), found by --onnx-user or a name such as "user_id". Every input must be one of these.
// Output: --onnx-output or the graph's only output, float32 [B, d]. L is the history input's
// fixed length, else --onnx-max-len, else DEFAULT_MAX_LEN. Each mismatch is a one-line error.
import { DataError, UserError } from '../engine/errors.js';
import type { FeedType, ValueInfo } from './onnx_session.js';

export const DEFAULT_MAX_LEN = 50;

export interface OnnxFlags {
  input?: string;
  output?: string;
  mask?: string;
  user?: string;
  maxLen?: number;
}

export type IdType = 'int64' | 'int32';

export interface Binding {
  history: { name: string; type: IdType };
  len: number; // L: history columns fed (left-padded with 0)
  batch: number | null; // the graph's fixed batch size, or null when it is dynamic
  mask: { name: string; type: FeedType; kind: 'mask' | 'length' } | null;
  user: { name: string; type: IdType } | null;
  output: string;
}

const MASK_NAMES = ['mask', 'attention_mask', 'padding_mask', 'history_mask', 'lengths', 'length', 'seq_len', 'seq_lens', 'history_len'];
const USER_NAMES = ['user', 'users', 'user_id', 'user_ids', 'uid'];
const ID_TYPES: readonly string[] = ['int64', 'int32'];
const MASK_TYPES: readonly string[] = ['bool', 'float32', 'int64', 'int32'];

export function bindOnnx(file: string, inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], flags: OnnxFlags, d: number): Binding {
  const fail = (message: string) => new DataError({ file }, message);
  const list = (vs: readonly ValueInfo[]) => vs.map((v) => `"${v.name}"`).join(', ') || 'none';
  const named = (name: string | undefined, flag: string, guesses: readonly string[]): ValueInfo | undefined => {
    if (name !== undefined) {
      const v = inputs.find((i) => i.name === name);
      if (!v) throw fail(`has no input "${name}" (${flag}); its inputs: ${list(inputs)}`);
      return v;
    }
    return inputs.find((i) => guesses.includes(i.name.toLowerCase()));
  };
  const maskIn = named(flags.mask, '--onnx-mask', MASK_NAMES);
  const userIn = named(flags.user, '--onnx-user', USER_NAMES);
  const rest = inputs.filter((i) => i !== maskIn && i !== userIn);
  let historyIn = named(flags.input, '--onnx-input', []);
  if (!historyIn) {
    if (rest.length !== 1) throw fail(`cannot tell the history input among ${list(rest)}; name it with --onnx-input`);
    historyIn = rest[0];
  }
  const unbound = rest.filter((i) => i !== historyIn);
  if (unbound.length)
    throw fail(
      `input ${list(unbound)} is neither the history, a mask/length nor user ids; name them with --onnx-input, --onnx-mask, --onnx-user`,
    );

  const typed = (v: ValueInfo, allowed: readonly string[], what: string): FeedType => {
    if (!v.isTensor || !v.type || !allowed.includes(v.type))
      throw fail(`input "${v.name}" is ${v.isTensor ? (v.type ?? 'untyped') : 'not a tensor'}; ${what} must be ${allowed.join(' or ')}`);
    return v.type as FeedType;
  };
  const rank = (v: ValueInfo, want: number, what: string) => {
    if (v.shape && v.shape.length > 0 && v.shape.length !== want)
      throw fail(`input "${v.name}" has shape [${v.shape.join(', ')}]; ${what} must have ${want} dimension${want > 1 ? 's' : ''}`);
  };

  const history = { name: historyIn.name, type: typed(historyIn, ID_TYPES, 'the item-id history') as IdType };
  rank(historyIn, 2, 'the history [B, L]');
  const fixedLen = typeof historyIn.shape?.[1] === 'number' ? historyIn.shape[1] : undefined;
  if (fixedLen !== undefined && flags.maxLen !== undefined && flags.maxLen !== fixedLen)
    throw new UserError(`--onnx-max-len ${flags.maxLen}, but ${file}'s history input "${historyIn.name}" has the fixed length ${fixedLen}`);
  const batch = typeof historyIn.shape?.[0] === 'number' ? historyIn.shape[0] : null;

  let mask: Binding['mask'] = null;
  if (maskIn) {
    const byRank = maskIn.shape?.length ? (maskIn.shape.length === 1 ? 'length' : 'mask') : null;
    const kind = byRank ?? (/len/i.test(maskIn.name) ? 'length' : 'mask');
    rank(maskIn, kind === 'mask' ? 2 : 1, kind === 'mask' ? 'a mask [B, L]' : 'a length [B]');
    mask = { name: maskIn.name, type: typed(maskIn, kind === 'mask' ? MASK_TYPES : ID_TYPES, `a ${kind}`), kind };
  }
  let user: Binding['user'] = null;
  if (userIn) {
    rank(userIn, 1, 'user ids [B]');
    user = { name: userIn.name, type: typed(userIn, ID_TYPES, 'user ids') as IdType };
  }

  let out: ValueInfo | undefined;
  if (flags.output !== undefined) {
    out = outputs.find((o) => o.name === flags.output);
    if (!out) throw fail(`has no output "${flags.output}" (--onnx-output); its outputs: ${list(outputs)}`);
  } else if (outputs.length === 1) out = outputs[0];
  else throw fail(`has outputs ${list(outputs)}; name the user vectors with --onnx-output`);
  if (out.isTensor && out.type && out.type !== 'float32')
    throw fail(`output "${out.name}" is ${out.type}; the user vectors must be float32`);
  if (out.shape?.length && (out.shape.length !== 2 || (typeof out.shape[1] === 'number' && out.shape[1] !== d)))
    throw fail(`output "${out.name}" has shape [${out.shape.join(', ')}]; expected [B, ${d}] (the item table's width)`);
  return { history, len: fixedLen ?? flags.maxLen ?? DEFAULT_MAX_LEN, batch, mask, user, output: out.name };
}
