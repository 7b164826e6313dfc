// f's user tower exported to ONNX (--rec-onnx), run with onnxruntime-node in a worker thread
// (onnx_session.ts) so that it is synchronous like our own models. Histories are fed as SASRec
// reads them: the last L items, left-padded with 0 to exactly L columns (the most recent item
// always in the last column); the mask is 1 on items and 0 on padding, the length counts the
// items fed. Rows go in chunks of CHUNK (or the graph's fixed batch size, the last chunk filled
// with copies of its first row). The output must be float32 [B, d] and finite.
import { existsSync } from 'node:fs';
import { DataError, UserError } from '../engine/errors.js';
import { bindOnnx, type Binding, type OnnxFlags } from './onnx_binding.js';
import { OnnxSession, type Feed, type FeedData, type FeedType } from './onnx_session.js';
import type { UserTower } from './tower.js';

const CHUNK = 256;

function feed(type: FeedType, values: readonly number[], dims: number[]): Feed {
  const data: FeedData =
    type === 'int64'
      ? BigInt64Array.from(values, (v) => BigInt(v))
      : type === 'int32'
        ? Int32Array.from(values)
        : type === 'float32'
          ? Float32Array.from(values)
          : Uint8Array.from(values);
  return { type, data, dims };
}

export class OnnxTower implements UserTower {
  readonly kind = 'onnx';
  readonly readsHistory = true;

  private constructor(
    private readonly session: OnnxSession,
    private readonly binding: Binding,
    private readonly d: number,
  ) {}

  /** The tower in `file`, bound to its inputs (onnx_binding.ts), for an item table d wide. */
  static open(file: string, flags: OnnxFlags, d: number): OnnxTower {
    if (!existsSync(file)) throw new UserError(`${file}: no such ONNX file`);
    const session = OnnxSession.open(file);
    try {
      return new OnnxTower(session, bindOnnx(file, session.inputs, session.outputs, flags, d), d);
    } catch (e) {
      session.close();
      throw e;
    }
  }

  userVectors(histories: readonly (readonly number[])[], users?: readonly number[]): Float32Array {
    const b = this.binding;
    if (b.user && users === undefined)
      throw new UserError(`${this.session.file} reads user ids (input "${b.user.name}"): f cannot score a history without its user`);
    const out = new Float32Array(histories.length * this.d);
    const size = b.batch ?? CHUNK;
    for (let start = 0; start < histories.length; start += size) {
      const rows = Array.from({ length: Math.min(size, histories.length - start) }, (_, i) => start + i);
      while (b.batch !== null && rows.length < b.batch) rows.push(rows[0]);
      const vectors = this.run(
        rows.map((r) => histories[r]),
        rows.map((r) => users?.[r] ?? 0),
      );
      out.set(vectors.subarray(0, Math.min(size, histories.length - start) * this.d), start * this.d);
    }
    return out;
  }

  dispose(): void {
    this.session.close();
  }

  private run(histories: readonly (readonly number[])[], users: readonly number[]): Float32Array {
    const b = this.binding;
    const B = histories.length;
    const L = b.len;
    const ids = new Array<number>(B * L).fill(0);
    const mask = new Array<number>(B * L).fill(0);
    const lengths = histories.map((h, r) => {
      const n = Math.min(h.length, L);
      for (let j = 0; j < n; j++) {
        ids[r * L + L - n + j] = h[h.length - n + j];
        mask[r * L + L - n + j] = 1;
      }
      return n;
    });
    const feeds: Record<string, Feed> = { [b.history.name]: feed(b.history.type, ids, [B, L]) };
    if (b.mask) feeds[b.mask.name] = b.mask.kind === 'mask' ? feed(b.mask.type, mask, [B, L]) : feed(b.mask.type, lengths, [B]);
    if (b.user) feeds[b.user.name] = feed(b.user.type, users, [B]);
    const y = this.session.run(feeds, b.output);
    const fail = (message: string) => new DataError({ file: this.session.file }, `output "${b.output}" ${message}`);
    if (y.type !== 'float32' || !(y.data instanceof Float32Array)) throw fail(`is ${y.type}; the user vectors must be float32`);
    if (y.dims.length !== 2 || y.dims[0] !== B || y.dims[1] !== this.d)
      throw fail(`has shape [${y.dims.join(', ')}] for ${B} histories; expected [${B}, ${this.d}] (the item table's width)`);
    if (!y.data.every(Number.isFinite)) throw fail('holds non-finite values');
    return y.data;
  }
}
