# Builds recx_kernels.node (batched SGEMM for the tfjs-wasm heap) with `npm run build:native`.
# Tuned for the building machine (-march=native); optional: the engine falls back to tfjs-wasm without it.
# -Wno-maybe-uninitialized: GCC 12 warns falsely inside its own AVX-512 intrinsics headers.
{
  "targets": [
    {
      "target_name": "recx_kernels",
      "sources": ["kernels.cc"],
      "cflags_cc": ["-O3", "-march=native", "-ffp-contract=fast", "-Wno-maybe-uninitialized"],
      "ldflags": ["-pthread"]
    }
  ]
}
