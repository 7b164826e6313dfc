// Matrix × few-vectors products for decoding, in a WebAssembly SIMD kernel assembled here (no
// toolchain needed): y[b][r] = Σ_c W[r][c]·x[b][c] for b < m, streaming W once (memory-bound:
// about 3× the native sgemm at m = 1, which repacks W). Memory is an arena of float32s.

/** LEB128 encodings and a few byte-code helpers (WebAssembly binary format 1.0 + SIMD). */
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (s: string) => vec([...Buffer.from(s)].map((c) => [c]));
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32 = (n: number) => [0x41, ...sleb(n)];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const [I32, V128, ADD, AND, SHL, MUL, GE_U, BR, BR_IF, END, BLOCK, LOOP, VOID] = [
  0x7f, 0x7b, 0x6a, 0x71, 0x74, 0x6c, 0x4f, 0x0c, 0x0d, 0x0b, 0x02, 0x03, 0x40,
];
const F32_ADD = 0x92;
const F32_STORE = [0x38, 2, 0];
const V_LOAD = (offset: number) => simd(0x00, 4, ...uleb(offset));
const V_ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
const [FX4_ADD, FX4_MUL, FX4_LANE] = [simd(0xe4), simd(0xe6), (l: number) => simd(0x1f, l)];

// params: w x y rows cols m ldw; locals after them
const [W, X, Y, ROWS, COLS, M, LDW, WP, XP, XEND, X16, R, B, ROW, A0, A1, A2, A3] = Array.from({ length: 18 }, (_, i) => i);
const addTo = (v: number, n: number) => [...get(v), ...i32(n), ADD, ...set(v)];
const acc = (a: number, off: number) => [
  ...get(a),
  ...get(WP),
  ...V_LOAD(off),
  ...get(XP),
  ...V_LOAD(off),
  ...FX4_MUL,
  ...FX4_ADD,
  ...set(a),
];
/** while (XP < end) { body; } */
const whileBelow = (end: number, body: number[]) => [
  BLOCK,
  VOID,
  LOOP,
  VOID,
  ...get(XP),
  ...get(end),
  GE_U,
  BR_IF,
  1,
  ...body,
  BR,
  0,
  END,
  END,
];
const bytesOf = (v: number) => [...get(v), ...i32(2), SHL];

const rowTimesVector = [
  ...get(ROW),
  ...set(WP),
  ...get(X),
  ...get(B),
  ...get(COLS),
  MUL,
  ...i32(2),
  SHL,
  ADD,
  ...set(XP), // x_b
  ...get(XP),
  ...bytesOf(COLS),
  ADD,
  ...set(XEND),
  ...get(XP),
  ...get(COLS),
  ...i32(-16),
  AND,
  ...i32(2),
  SHL,
  ADD,
  ...set(X16),
  ...V_ZERO,
  ...set(A0),
  ...V_ZERO,
  ...set(A1),
  ...V_ZERO,
  ...set(A2),
  ...V_ZERO,
  ...set(A3),
  ...whileBelow(X16, [...acc(A0, 0), ...acc(A1, 16), ...acc(A2, 32), ...acc(A3, 48), ...addTo(WP, 64), ...addTo(XP, 64)]),
  ...whileBelow(XEND, [...acc(A0, 0), ...addTo(WP, 16), ...addTo(XP, 16)]),
  ...get(A0),
  ...get(A1),
  ...FX4_ADD,
  ...get(A2),
  ...get(A3),
  ...FX4_ADD,
  ...FX4_ADD,
  ...set(A0),
  ...get(Y),
  ...get(B),
  ...get(ROWS),
  MUL,
  ...get(R),
  ADD,
  ...i32(2),
  SHL,
  ADD, // &y[b][r]
  ...get(A0),
  ...FX4_LANE(0),
  ...get(A0),
  ...FX4_LANE(1),
  F32_ADD,
  ...get(A0),
  ...FX4_LANE(2),
  ...get(A0),
  ...FX4_LANE(3),
  F32_ADD,
  F32_ADD,
  ...F32_STORE,
];
const countedLoop = (v: number, limit: number, body: number[]) => [
  ...i32(0),
  ...set(v),
  BLOCK,
  VOID,
  LOOP,
  VOID,
  ...get(v),
  ...get(limit),
  GE_U,
  BR_IF,
  1,
  ...body,
  ...addTo(v, 1),
  BR,
  0,
  END,
  END,
];
const gemmBody = [
  ...get(W),
  ...set(ROW),
  ...countedLoop(R, ROWS, [...countedLoop(B, M, rowTimesVector), ...get(ROW), ...bytesOf(LDW), ADD, ...set(ROW)]),
  END,
];
const gemmFn = [
  ...vec([
    [...uleb(7), I32],
    [...uleb(4), V128],
  ]),
  ...gemmBody,
];

const MODULE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  1,
  0,
  0,
  0,
  ...section(1, vec([[0x60, ...vec(Array.from({ length: 7 }, () => [I32])), ...vec([])]])),
  ...section(2, vec([[...name('e'), ...name('m'), 0x02, 0x00, ...uleb(1)]])),
  ...section(3, vec([[0]])),
  ...section(7, vec([[...name('gemm'), 0x00, 0]])),
  ...section(10, vec([[...uleb(gemmFn.length), ...gemmFn]])),
]);

let compiled: WebAssembly.Module | undefined;

const PAGE = 65536;

/** A growable float32 arena in WebAssembly memory with the kernel bound to it. Offsets are in floats. */
export class WasmArena {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly kernel: (w: number, x: number, y: number, rows: number, cols: number, m: number, ldw: number) => void;
  private top = 0;
  f32 = new Float32Array(this.memory.buffer);

  constructor() {
    compiled ??= new WebAssembly.Module(MODULE);
    const inst = new WebAssembly.Instance(compiled, { e: { m: this.memory } });
    this.kernel = inst.exports.gemm as typeof this.kernel;
  }

  /** n floats, 16-byte aligned; the view f32 may be replaced (memory growth). */
  alloc(n: number): number {
    const off = this.top;
    this.top += Math.ceil(n / 4) * 4;
    const need = this.top * 4 - this.memory.buffer.byteLength;
    if (need > 0) {
      this.memory.grow(Math.ceil(need / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
    }
    return off;
  }

  /** Current allocation mark, for release(). */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated after `mark`. */
  release(mark: number): void {
    this.top = mark;
  }

  /**
   * y[b][r] = Σ_c W[r][c]·x[b][c]: W [rows,cols] with row stride ldw, x [m,cols], y [m,rows]
   * (offsets in floats); cols % 4 == 0.
   */
  gemm(w: number, x: number, y: number, rows: number, cols: number, m: number, ldw = cols): void {
    if (cols % 4 !== 0) throw new RangeError(`gemm: cols must be a multiple of 4, got ${cols}`);
    this.kernel(w * 4, x * 4, y * 4, rows, cols, m, ldw);
  }
}

/** Reference for WasmArena.gemm on plain arrays (tests). */
export function naiveGemm(w: Float32Array, x: Float32Array, rows: number, cols: number, m: number): Float32Array {
  const y = new Float32Array(m * rows);
  for (let b = 0; b < m; b++)
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += w[r * cols + c] * x[b * cols + c];
      y[b * rows + r] = s;
    }
  return y;
}
