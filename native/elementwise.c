/*
 * The element-wise kernels of a training step, for tfjs's wasm backend: Add (same shapes, or a last-axis vector
 * such as a bias broadcast over a map), ReLU, the ReLU gradient and the bias-gradient sum. src/kernels/
 * native-elementwise.ts and native-conv.ts are their JavaScript side.
 *
 * Why: once the convolutions ran on oneDNN, these passes over 16 MiB activation maps were a fifth of a
 * paper-eyes refiner step (wasm's Add took ≈ 5 ms per map, three times a native pass), and they ran on one
 * thread while the convolutions used every core, which capped what a second core could give
 * (docs/BENCHMARKS.md, "Two cores"). Here they run on the addon's OpenMP threads (setThreads).
 *
 * Every result is bit-identical to the wasm kernel it replaces, whatever the thread count: additions and
 * comparisons are per element, and the sum adds its per-block partial sums in block order.
 */
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include "napi_util.h"
#include "elementwise.h"

/* Below this many elements (512 KiB) a pass takes well under 0.1 ms: waking the other threads (tens of µs in a VM)
 * and sharing the cache lines would cost more than it saves (the optimizers' updates of 3×3×64×64 filters ran
 * slower on two threads than on one). */
#define PARALLEL_MIN (1 << 17)

/* out[i] = a[i] + b[i % m] for m = n (same shapes) or m dividing n (b repeats along the leading axes). */
__attribute__((noinline)) static void add_rows(const float *restrict a, const float *restrict b, float *restrict out, size_t n, size_t m) {
  if (m == n) {
    #pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
    return;
  }
  size_t rows = n / m;
  #pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
  for (size_t r = 0; r < rows; r++) {
    const float *restrict ar = a + r * m;
    float *restrict o = out + r * m;
    for (size_t c = 0; c < m; c++) o[c] = ar[c] + b[c];
  }
}

/* out = max(0, x) as tfjs-wasm gives it: NaN kept (it compares false), -0 → +0. */
__attribute__((noinline)) static void relu(const float *restrict x, float *restrict out, size_t n) {
  #pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
  for (size_t i = 0; i < n; i++) out[i] = x[i] <= 0.0f ? 0.0f : x[i];
}

/* dx = dy · s(x), s = 1 where x > 0, NaN where x is NaN, 0 elsewhere: tfjs's mul(dy, cast(step(x))) (three
 * passes over the tensor in wasm) in one, with the same NaN and 0·∞ results. */
__attribute__((noinline)) static void relu_grad(const float *restrict dy, const float *restrict x, float *restrict dx, size_t n) {
  #pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
  for (size_t i = 0; i < n; i++) {
    float s = x[i] > 0.0f ? 1.0f : 0.0f;
    s = x[i] != x[i] ? x[i] : s;
    dx[i] = dy[i] * s;
  }
}

/* Rows per partial sum: float partials over 256 rows, then added in double (float sums over 60k rows would
 * lose digits). */
#define SUM_BLOCK 256

/* out[c] = Σ_rows x[row, c]. The blocks' float partials are computed in parallel and added in block order, so
 * the result does not depend on the thread count. 0 when out of memory. */
static int sum_rows(const float *restrict x, size_t rows, int cols, float *restrict out) {
  size_t blocks = (rows + SUM_BLOCK - 1) / SUM_BLOCK;
  float *part = (float *)malloc((blocks ? blocks : 1) * (size_t)cols * sizeof(float));
  double *acc = (double *)calloc(cols, sizeof(double));
  if (!part || !acc) { free(part); free(acc); return 0; }
  #pragma omp parallel for schedule(static) if (rows * (size_t)cols >= PARALLEL_MIN)
  for (size_t k = 0; k < blocks; k++) {
    float *restrict p = part + k * cols;
    memset(p, 0, cols * sizeof(float));
    size_t end = (k + 1) * SUM_BLOCK < rows ? (k + 1) * SUM_BLOCK : rows;
    for (size_t q = k * SUM_BLOCK; q < end; q++) {
      const float *restrict row = x + q * cols;
      for (int c = 0; c < cols; c++) p[c] += row[c];
    }
  }
  for (size_t k = 0; k < blocks; k++)
    for (int c = 0; c < cols; c++) acc[c] += part[k * cols + c];
  for (int c = 0; c < cols; c++) out[c] = (float)acc[c];
  free(part); free(acc);
  return 1;
}

/* add(a, b, out): out = a + b, b of a's length or of a length dividing it (repeated along the leading axes). */
static napi_value js_add(napi_env env, napi_callback_info info) {
  ARGS(3);
  float *p[3];
  size_t l[3];
  if (!read_arrays_and_ints(env, args, "add", p, l, 0, NULL)) return NULL;
  if (l[2] != l[0] || l[1] == 0 || l[0] % l[1] != 0) return throw_error(env, "add: out must have a's length and b a length dividing it");
  add_rows(p[0], p[1], p[2], l[0], l[1]);
  return NULL;
}

/* relu(x, out) */
static napi_value js_relu(napi_env env, napi_callback_info info) {
  ARGS(2);
  float *x, *out;
  size_t lx, lo;
  if (!get_floats(env, args[0], &x, &lx) || !get_floats(env, args[1], &out, &lo)) return throw_error(env, "relu: x and out must be Float32Arrays");
  if (lx != lo) return throw_error(env, "relu: x and out must have the same length");
  relu(x, out, lx);
  return NULL;
}

/* reluGrad(dy, x, dx) */
static napi_value js_relu_grad(napi_env env, napi_callback_info info) {
  ARGS(3);
  float *a[3];
  size_t l[3];
  if (!read_arrays_and_ints(env, args, "reluGrad", a, l, 0, NULL)) return NULL;
  if (l[0] != l[1] || l[1] != l[2]) return throw_error(env, "reluGrad: dy, x and dx must have the same length");
  relu_grad(a[0], a[1], a[2], l[0]);
  return NULL;
}

/* sumRows(x, cols, out): out[c] = Σ_rows x[row, c] (a bias gradient: every axis but the last). */
static napi_value js_sum_rows(napi_env env, napi_callback_info info) {
  ARGS(3);
  float *x, *out;
  size_t lx, lo;
  int cols;
  if (!get_floats(env, args[0], &x, &lx) || !get_floats(env, args[2], &out, &lo)) return throw_error(env, "sumRows: x and out must be Float32Arrays");
  if (napi_get_value_int32(env, args[1], &cols) != napi_ok || cols < 1 || lx % cols != 0 || lo != (size_t)cols) return throw_error(env, "sumRows: sizes do not match");
  if (!sum_rows(x, lx / cols, cols, out)) return throw_error(env, "sumRows: out of memory");
  return NULL;
}

void elementwise_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"add", NULL, js_add, NULL, NULL, NULL, napi_default, NULL},
    {"relu", NULL, js_relu, NULL, NULL, NULL, napi_default, NULL},
    {"reluGrad", NULL, js_relu_grad, NULL, NULL, NULL, napi_default, NULL},
    {"sumRows", NULL, js_sum_rows, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
