// recx_kernels: batched single-precision GEMM in place on an ArrayBuffer (tfjs-wasm's heap):
// C_b = alpha·op(A_b)·op(B_b) + beta·C_b, row-major, float offsets/strides (stride 0 broadcasts),
// beta = 0 never reads C. Exports sgemm, setThreads, getThreads. Packing + register-blocked micro-kernel.
#include <node_api.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <numeric>
#include <string>
#include <utility>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace {

// ---- register blocking: MR rows × NV vectors of VL floats per micro-tile -------------------------
#if defined(__AVX512F__)
#define RECX_VL 16
constexpr int MR = 12;  // 24 zmm accumulators
#elif defined(__AVX__)
#define RECX_VL 8
constexpr int MR = 6;  // 12 ymm accumulators
#else
#define RECX_VL 4
constexpr int MR = 6;
#endif
constexpr int VL = RECX_VL;
constexpr int NV = 2;
constexpr int NR = NV * VL;
// cache blocking: a packed KC×NC panel of B stays in L2, an MR×KC strip of A in L1
constexpr long KC = 256;
constexpr long MC = 16 * MR;
constexpr long NC = 512;

typedef float vf __attribute__((vector_size(RECX_VL * 4)));
typedef float vfu __attribute__((vector_size(RECX_VL * 4), aligned(4), may_alias));

// Writes cols (≤ VL) floats of x into dst as x + beta·dst; beta = 0 does not read dst.
inline void store_vec(float* dst, vf x, int cols, float beta) {
  if (cols >= VL) {
    vfu* p = reinterpret_cast<vfu*>(dst);
    *p = beta == 0.0f ? x : x + beta * *p;
    return;
  }
#ifdef __AVX512F__
  const __mmask16 mask = static_cast<__mmask16>((1u << cols) - 1);
  if (beta != 0.0f) x = x + beta * static_cast<vf>(_mm512_maskz_loadu_ps(mask, dst));
  _mm512_mask_storeu_ps(dst, mask, x);
#else
  float t[VL];
  std::memcpy(t, &x, sizeof t);
  for (int j = 0; j < cols; ++j) dst[j] = beta == 0.0f ? t[j] : t[j] + beta * dst[j];
#endif
}

// Where a micro-kernel finds A's element (r, p): a packed strip, or op(A) read in place (A row-major, or A transposed).
enum class ALayout { Packed, Rows, Cols };

// c[0..mr)×[0..nr) = alpha·(a·b) + beta·c over kc steps. a: H rows laid out as L (lda: the source's row stride);
// b: packed strip W·VL wide (element (p,j) at p·W·VL+j), zero beyond nr.
template <int H, int W, ALayout L>
void micro_kernel(long kc, const float* __restrict a, long lda, const float* __restrict b, float* __restrict c,
                  long ldc, int mr, int nr, float alpha, float beta) {
  vf acc[H][W];
#pragma GCC unroll 16
  for (int r = 0; r < H; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < W; ++v) acc[r][v] = vf{};
  const long rs = L == ALayout::Rows ? lda : 1, cs = L == ALayout::Packed ? H : L == ALayout::Rows ? 1 : lda;
  for (long p = 0; p < kc; ++p, a += cs, b += W * VL) {
    vf bv[W];
#pragma GCC unroll 4
    for (int v = 0; v < W; ++v) bv[v] = *reinterpret_cast<const vf*>(b + v * VL);
#pragma GCC unroll 16
    for (int r = 0; r < H; ++r) {
      const float s = a[r * rs];
#pragma GCC unroll 4
      for (int v = 0; v < W; ++v) acc[r][v] += s * bv[v];
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < H; ++r) {
    if (r >= mr) break;
#pragma GCC unroll 4
    for (int v = 0; v < W; ++v) store_vec(c + r * ldc + v * VL, alpha * acc[r][v], nr - v * VL, beta);
  }
}

using KernelFn = void (*)(long, const float*, long, const float*, float*, long, int, int, float, float);
using KernelTable = std::array<std::array<KernelFn, NV>, MR>;  // [H-1][W-1]

static_assert(NV == 2, "kernel table lists W = 1, 2");
template <ALayout L, std::size_t... I>
constexpr KernelTable make_kernels(std::index_sequence<I...>) {
  return {{{{&micro_kernel<int(I) + 1, 1, L>, &micro_kernel<int(I) + 1, 2, L>}}...}};
}
constexpr KernelTable kKernels[3] = {make_kernels<ALayout::Packed>(std::make_index_sequence<MR>{}),
                                     make_kernels<ALayout::Rows>(std::make_index_sequence<MR>{}),
                                     make_kernels<ALayout::Cols>(std::make_index_sequence<MR>{})};

// dst[0..w) = src[0..n) then zeros (n ≤ w ≤ 2·VL).
inline void copy_pad(float* dst, const float* src, int n, int w) {
#ifdef __AVX512F__
  for (int v = 0; v < w; v += 16) {
    const int lanes = std::clamp(n - v, 0, 16);
    _mm512_mask_storeu_ps(dst + v, static_cast<__mmask16>((1u << (w - v < 16 ? w - v : 16)) - 1),
                          _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << lanes) - 1), src + v));
  }
#else
  for (int j = 0; j < w; ++j) dst[j] = j < n ? src[j] : 0.0f;
#endif
}

// dst[p·ldd + r] = src[r·lds + p] for p < kc, r < rows (≤ 2·VL), and 0 for rows ≤ r < lanes.
void transpose_pad(const float* src, long lds, int rows, long kc, float* dst, long ldd, int lanes) {
  long p = 0;
#ifdef __AVX512F__
  // 16×16 blocks through registers: unpack ps, unpack pd, then two rounds of 128-bit lane shuffles.
  for (int r0 = 0; r0 < lanes; r0 += 16) {
    const int nr = std::clamp(rows - r0, 0, 16);
    const __mmask16 mask = static_cast<__mmask16>((1u << std::min(16, lanes - r0)) - 1);
    for (p = 0; p + 16 <= kc; p += 16) {
      __m512 x[16], y[16];
      for (int i = 0; i < 16; ++i) x[i] = i < nr ? _mm512_loadu_ps(src + (r0 + i) * lds + p) : _mm512_setzero_ps();
      for (int i = 0; i < 16; i += 2) {
        y[i] = _mm512_unpacklo_ps(x[i], x[i + 1]);
        y[i + 1] = _mm512_unpackhi_ps(x[i], x[i + 1]);
      }
      const auto lo = [](__m512 u, __m512 v) { return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(u), _mm512_castps_pd(v))); };
      const auto hi = [](__m512 u, __m512 v) { return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(u), _mm512_castps_pd(v))); };
      for (int i = 0; i < 16; i += 4) {
        x[i] = lo(y[i], y[i + 2]);
        x[i + 1] = hi(y[i], y[i + 2]);
        x[i + 2] = lo(y[i + 1], y[i + 3]);
        x[i + 3] = hi(y[i + 1], y[i + 3]);
      }
      for (int i = 0; i < 16; i += 8)
        for (int j = 0; j < 4; ++j) {
          y[i + j] = _mm512_shuffle_f32x4(x[i + j], x[i + j + 4], 0x88);
          y[i + j + 4] = _mm512_shuffle_f32x4(x[i + j], x[i + j + 4], 0xdd);
        }
      for (int j = 0; j < 8; ++j) {
        x[j] = _mm512_shuffle_f32x4(y[j], y[j + 8], 0x88);
        x[j + 8] = _mm512_shuffle_f32x4(y[j], y[j + 8], 0xdd);
      }
      for (int i = 0; i < 16; ++i) _mm512_mask_storeu_ps(dst + (p + i) * ldd + r0, mask, x[i]);
    }
  }
#endif
  for (; p < kc; ++p)
    for (int r = 0; r < lanes; ++r) dst[p * ldd + r] = r < rows ? src[r * lds + p] : 0.0f;
}

// Packs op(A) rows [0,mc) × cols [0,kc) (a points at its origin) into strips of h = min(MR, rows left):
// element (r, p) of the strip at row i lies at i·kc + p·h + r. Sources are read row by row.
void pack_a(const float* a, long lda, bool trans, long mc, long kc, float* dst) {
  for (long i = 0; i < mc; i += MR) {
    const int h = static_cast<int>(std::min<long>(MR, mc - i));
    if (!trans) transpose_pad(a + i * lda, lda, h, kc, dst + i * kc, h, h);  // op(A)(i+r, p) = a[(i+r)·lda + p]
  }
  if (trans)  // op(A)(i+r, p) = a[p·lda + i + r]
    for (long p = 0; p < kc; ++p)
      for (long i = 0; i < mc; i += MR) {
        const int h = static_cast<int>(std::min<long>(MR, mc - i));
        copy_pad(dst + i * kc + p * h, a + p * lda + i, h, h);
      }
}

// Packs op(B) rows [0,kc) × cols [0,nc) into strips NR wide (the last one VL-rounded), zero-padded:
// element (p, c) of the strip at column j, w wide, lies at j·kc + p·w + c. Sources are read row by row.
void pack_b(const float* b, long ldb, bool trans, long kc, long nc, float* dst) {
  const auto strip = [&](long j, int* cols, int* w) {
    *cols = static_cast<int>(std::min<long>(NR, nc - j));
    *w = (*cols + VL - 1) / VL * VL;
  };
  int cols, w;
  if (trans) {  // op(B)(p, j+c) = b[(j+c)·ldb + p]
    for (long j = 0; j < nc; j += NR) {
      strip(j, &cols, &w);
      transpose_pad(b + j * ldb, ldb, cols, kc, dst + j * kc, w, w);
    }
  } else {  // op(B)(p, j+c) = b[p·ldb + j + c]
    for (long p = 0; p < kc; ++p)
      for (long j = 0; j < nc; j += NR) {
        strip(j, &cols, &w);
        copy_pad(dst + j * kc + p * w, b + p * ldb + j, cols, w);
      }
  }
}

// Splits n into ceil(n/step) nearly equal blocks, each a multiple of `unit` (except the last).
long balanced_block(long n, long step, long unit) {
  const long blocks = (n + step - 1) / step;
  const long per = (n + blocks - 1) / blocks;
  return std::min(step, (per + unit - 1) / unit * unit);
}

struct Gemm {  // one batch item
  const float* a;
  const float* b;
  float* c;
  long m, n, k;
  bool ta, tb;
  float alpha, beta;
};

struct PackBuffers {
  float* a = nullptr;
  float* b = nullptr;
  PackBuffers() {
    a = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * MC * KC));
    b = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * KC * NC));
  }
  ~PackBuffers() {
    std::free(a);
    std::free(b);
  }
};

// C rows [i0,i1) × cols [j0,j1) of one batch item.
void gemm_block(const Gemm& g, long i0, long i1, long j0, long j1) {
  thread_local PackBuffers buf;
  if (!buf.a || !buf.b) std::abort();
  const long lda = g.ta ? g.m : g.k, ldb = g.tb ? g.k : g.n;
  const long kcs = balanced_block(g.k, KC, 8), ncs = balanced_block(j1 - j0, NC, NR),
             mcs = balanced_block(i1 - i0, MC, MR);
  for (long jc = j0; jc < j1; jc += ncs) {
    const long nc = std::min(ncs, j1 - jc);
    for (long pc = 0; pc < g.k; pc += kcs) {
      const long kc = std::min(kcs, g.k - pc);
      pack_b(g.tb ? g.b + jc * ldb + pc : g.b + pc * ldb + jc, ldb, g.tb, kc, nc, buf.b);
      const float beta = pc == 0 ? g.beta : 1.0f;
      // A is packed unless B has at most two strips: then each A element serves at most twice and is read in place.
      const bool packA = nc > 2 * NR;
      const ALayout layout = packA ? ALayout::Packed : g.ta ? ALayout::Cols : ALayout::Rows;
      for (long ic = i0; ic < i1; ic += mcs) {
        const long mc = std::min(mcs, i1 - ic);
        const float* asrc = g.ta ? g.a + pc * lda + ic : g.a + ic * lda + pc;
        if (packA) pack_a(asrc, lda, g.ta, mc, kc, buf.a);
        for (long ir = 0; ir < mc; ir += MR) {
          const int h = static_cast<int>(std::min<long>(MR, mc - ir));
          const float* ap = packA ? buf.a + ir * kc : g.ta ? asrc + ir : asrc + ir * lda;
          for (long jr = 0; jr < nc; jr += NR) {
            const int cols = static_cast<int>(std::min<long>(NR, nc - jr));
            kKernels[int(layout)][h - 1][(cols + VL - 1) / VL - 1](kc, ap, lda, buf.b + jr * kc, g.c + (ic + ir) * g.n + jc + jr,
                                                                   g.n, h, cols, g.alpha, beta);
          }
        }
      }
    }
  }
}

// ---- thread pool: the calling thread plus detached workers, woken per call -------------------------
// Waiters spin briefly before sleeping, so back-to-back calls skip the futex wake-up (tens of µs).
template <typename Ready>
bool spin_until(Ready ready) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
  for (int i = 1;; ++i) {
    if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if (i % 64 == 0 && std::chrono::steady_clock::now() > until) return false;
  }
}

class Pool {
 public:
  // Runs body on n threads (the caller is one of them) and returns when all are done.
  void run(int n, const std::function<void()>& body) {
    n = spawn(n - 1) + 1;
    {
      std::lock_guard<std::mutex> lk(mu_);
      body_ = &body;
      wanted_ = n;
      running_.store(n - 1);
      generation_.fetch_add(1, std::memory_order_release);
    }
    start_.notify_all();
    body();
    const auto done = [&] { return running_.load(std::memory_order_acquire) == 0; };
    if (spin_until(done)) return;
    std::unique_lock<std::mutex> lk(mu_);
    done_.wait(lk, done);
  }

 private:
  // Ensures `helpers` workers exist; returns how many do (thread creation can fail).
  int spawn(int helpers) {
    while (spawned_ < helpers) {
      auto* arg = new Start{this, spawned_ + 1, generation_.load()};
      pthread_t tid;
      if (pthread_create(&tid, nullptr, &Pool::entry, arg) != 0) {
        delete arg;
        break;
      }
      pthread_detach(tid);
      ++spawned_;
    }
    return std::min(helpers, spawned_);
  }

  struct Start {
    Pool* pool;
    int id;
    uint64_t seen;  // the generation current at creation: the worker joins the next one
  };
  static void* entry(void* arg) {
    const Start start = *static_cast<Start*>(arg);
    delete static_cast<Start*>(arg);
    start.pool->work(start.id, start.seen);
    return nullptr;
  }

  void work(int id, uint64_t seen) {
    for (;;) {
      const auto started = [&] { return generation_.load(std::memory_order_acquire) != seen; };
      if (!spin_until(started)) {
        std::unique_lock<std::mutex> lk(mu_);
        start_.wait(lk, started);
      }
      const std::function<void()>* body;
      {
        std::lock_guard<std::mutex> lk(mu_);  // a consistent snapshot of the call
        seen = generation_.load(std::memory_order_relaxed);
        body = id < wanted_ ? body_ : nullptr;
      }
      if (!body) continue;
      (*body)();
      if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(mu_);
        done_.notify_one();
      }
    }
  }

  std::mutex mu_;
  std::condition_variable start_, done_;
  const std::function<void()>* body_ = nullptr;  // body_, wanted_ and generation_ change together under mu_
  int wanted_ = 0, spawned_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> running_{0};
};

Pool* const gPool = new Pool;  // never destroyed: its detached workers outlive static destructors
std::mutex gCallMutex;         // one sgemm at a time per process (worker_threads share the pool)
std::atomic<int> gThreads{static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)))};
constexpr double kMinFlopsPerThread = 1 << 22;  // ≈ 40 µs of work: below that a wake-up costs more than it saves

struct Batched {
  const float* base;
  float* cbase;
  long batch, m, n, k;
  long aOff, aStride, bOff, bStride, cOff, cStride;
  bool ta, tb;
  float alpha, beta;
};

void run_sgemm(const Batched& s) {
  const double flops = 2.0 * s.batch * s.m * s.n * s.k;
  const int nt = static_cast<int>(std::clamp(flops / kMinFlopsPerThread, 1.0, double(gThreads.load())));
  // Split each item into `parts` blocks along its longer dimension so batch·parts spreads over the threads.
  const long parts = s.batch % nt == 0 || s.batch >= 8L * nt ? 1 : nt / std::gcd(s.batch % nt, long(nt));
  const long mUnits = (s.m + MR - 1) / MR, nUnits = (s.n + NR - 1) / NR;
  const bool splitM = mUnits >= nUnits;
  const long units = splitM ? mUnits : nUnits, unit = splitM ? MR : NR, dim = splitM ? s.m : s.n;
  const long pieces = std::min(parts, units);
  const long tasks = s.batch * pieces;
  std::atomic<long> next{0};
  const std::function<void()> body = [&] {
    for (long t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
      const long b = t / pieces, q = t % pieces;
      const long lo = std::min(dim, q * units / pieces * unit), hi = std::min(dim, (q + 1) * units / pieces * unit);
      const Gemm g{s.base + s.aOff + b * s.aStride, s.base + s.bOff + b * s.bStride, s.cbase + s.cOff + b * s.cStride,
                   s.m, s.n, s.k, s.ta, s.tb, s.alpha, s.beta};
      if (splitM) gemm_block(g, lo, hi, 0, s.n);
      else gemm_block(g, 0, s.m, lo, hi);
    }
  };
  if (nt == 1) {
    body();
    return;
  }
  std::lock_guard<std::mutex> lk(gCallMutex);
  gPool->run(nt, body);
}

// C = beta·C for each item (k = 0 or alpha = 0: A and B are not read).
void scale_c(const Batched& s) {
  for (long b = 0; b < s.batch; ++b) {
    float* c = s.cbase + s.cOff + b * s.cStride;
    for (long i = 0; i < s.m * s.n; ++i) c[i] = s.beta == 0.0f ? 0.0f : s.beta * c[i];
  }
}

// ---- N-API ----------------------------------------------------------------------------------------
napi_value throw_type(napi_env env, const std::string& msg) {
  napi_throw_type_error(env, nullptr, msg.c_str());
  return nullptr;
}
napi_value throw_range(napi_env env, const std::string& msg) {
  napi_throw_range_error(env, nullptr, msg.c_str());
  return nullptr;
}

constexpr double kMaxIndex = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

// Reads a non-negative safe integer; on failure throws and returns false.
bool get_index(napi_env env, napi_value v, const char* fn, const char* name, long* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    throw_type(env, std::string(fn) + ": " + name + " must be a number");
    return false;
  }
  if (!(d >= 0 && d <= kMaxIndex && d == static_cast<double>(static_cast<int64_t>(d)))) {
    throw_range(env, std::string(fn) + ": " + name + " must be a non-negative integer, got " + std::to_string(d));
    return false;
  }
  *out = static_cast<long>(d);
  return true;
}

bool get_bool(napi_env env, napi_value v, const char* name, bool* out) {
  if (napi_get_value_bool(env, v, out) == napi_ok) return true;
  throw_type(env, std::string("sgemm: ") + name + " must be a boolean");
  return false;
}

bool get_float(napi_env env, napi_value v, const char* name, float* out) {
  double d;
  if (napi_get_value_double(env, v, &d) == napi_ok) {
    *out = static_cast<float>(d);
    return true;
  }
  throw_type(env, std::string("sgemm: ") + name + " must be a number");
  return false;
}

// [first, end) floats touched by an operand of `size` floats per item; false on overflow.
bool extent(long off, long stride, long size, long batch, long* end) {
  long span;
  return !__builtin_mul_overflow(batch - 1, stride, &span) && !__builtin_add_overflow(off, span, &span) &&
         !__builtin_add_overflow(span, size, end);
}

napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 15)
    return throw_type(env, "sgemm(buf, batch, m, n, k, aOff, aBatchStride, transA, bOff, bBatchStride, transB, cOff, "
                           "cBatchStride, alpha, beta) takes 15 arguments, got " + std::to_string(argc));
  bool isAb = false;
  napi_is_arraybuffer(env, argv[0], &isAb);
  if (!isAb) return throw_type(env, "sgemm: buf must be an ArrayBuffer");
  void* data = nullptr;
  size_t bytes = 0;
  napi_get_arraybuffer_info(env, argv[0], &data, &bytes);

  Batched s{};
  const std::pair<int, long*> ints[] = {{1, &s.batch}, {2, &s.m},       {3, &s.n},        {4, &s.k},
                                        {5, &s.aOff},  {6, &s.aStride}, {8, &s.bOff},     {9, &s.bStride},
                                        {11, &s.cOff}, {12, &s.cStride}};
  static const char* const names[] = {"buf",  "batch", "m",      "n",           "k",     "aOff",         "aBatchStride", "transA",
                                      "bOff", "bBatchStride", "transB", "cOff", "cBatchStride", "alpha", "beta"};
  for (const auto& [i, out] : ints)
    if (!get_index(env, argv[i], "sgemm", names[i], out)) return nullptr;
  if (!get_bool(env, argv[7], "transA", &s.ta) || !get_bool(env, argv[10], "transB", &s.tb) ||
      !get_float(env, argv[13], "alpha", &s.alpha) || !get_float(env, argv[14], "beta", &s.beta))
    return nullptr;
  if (s.batch == 0 || s.m == 0 || s.n == 0) return nullptr;

  const long len = static_cast<long>(bytes / sizeof(float));
  long mn, mk, kn;
  if (__builtin_mul_overflow(s.m, s.n, &mn) || __builtin_mul_overflow(s.m, s.k, &mk) ||
      __builtin_mul_overflow(s.k, s.n, &kn))
    return throw_range(env, "sgemm: matrix sizes overflow");
  if (s.batch > 1 && s.cStride < mn)
    return throw_range(env, "sgemm: cBatchStride (" + std::to_string(s.cStride) + ") must be at least m·n (" +
                                std::to_string(mn) + ") when batch > 1, or the C matrices overlap");
  const auto describe = [&](const char* what, long off, long stride, long size) {
    return std::string("sgemm: ") + what + " (offset " + std::to_string(off) + ", batch stride " +
           std::to_string(stride) + ", " + std::to_string(s.batch) + " × " + std::to_string(size) +
           " floats) does not fit in the buffer (" + std::to_string(len) + " floats)";
  };
  long aEnd, bEnd, cEnd;
  if (!extent(s.aOff, s.aStride, mk, s.batch, &aEnd) || aEnd > len) return throw_range(env, describe("A", s.aOff, s.aStride, mk));
  if (!extent(s.bOff, s.bStride, kn, s.batch, &bEnd) || bEnd > len) return throw_range(env, describe("B", s.bOff, s.bStride, kn));
  if (!extent(s.cOff, s.cStride, mn, s.batch, &cEnd) || cEnd > len) return throw_range(env, describe("C", s.cOff, s.cStride, mn));
  if (s.k > 0 && s.cOff < aEnd && s.aOff < cEnd) return throw_range(env, "sgemm: C overlaps A");
  if (s.k > 0 && s.cOff < bEnd && s.bOff < cEnd) return throw_range(env, "sgemm: C overlaps B");
  s.base = static_cast<const float*>(data);
  s.cbase = static_cast<float*>(data);
  if (s.k == 0 || s.alpha == 0.0f) {
    scale_c(s);
    return nullptr;
  }
  run_sgemm(s);
  return nullptr;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 1) return throw_type(env, "setThreads(n) takes 1 argument");
  long n;
  if (!get_index(env, argv[0], "setThreads", "n", &n)) return nullptr;
  if (n < 1 || n > 256) return throw_range(env, "setThreads: n must be in 1..256, got " + std::to_string(n));
  gThreads.store(static_cast<int>(n));
  return nullptr;
}

napi_value GetThreads(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, gThreads.load(), &out);
  return out;
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"sgemm", nullptr, Sgemm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"getThreads", nullptr, GetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
