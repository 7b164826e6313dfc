# Builds recx_kernels.node (batched SGEMM for the tfjs-wasm heap) with `npm run build:native`.
# Tuned for the building machine (-march=native); optional: the engine falls back to tfjs-wasm without it.
{
  "targets": [
    {
      "target_name": "recx_kernels",
      "sources": ["kernels.cc"],
      "cflags_cc": ["-O3", "-march=native", "-ffp-contract=fast"],
      "ldflags": ["-pthread"]
    }
  ]
}
