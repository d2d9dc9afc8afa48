/*
 * NHWC convolutions (forward and both gradients), fused bias + ReLU and the max-pool gradient for tfjs's
 * wasm backend, on top of oneDNN (its convolution primitives, and its sgemm for the shapes those have no fast
 * kernel for), as a Node-API addon; the element-wise kernels are in elementwise.c. src/kernels/native-conv.ts
 * is the JavaScript side and decides which path a call takes.
 *
 * Why: XNNPACK inside the wasm backend is limited to 128-bit wasm SIMD, about a third of what the CPU's
 * AVX2/AVX-512 units do; oneDNN picks the widest vector ISA the CPU has at run time (its JIT), so it
 * reaches the CPU's real rate. (OpenBLAS was tried first: where OPENBLAS_CORETYPE pins its kernels to an
 * older ISA it reached about half of oneDNN's rate on the same GEMMs.) Tensors stay in the wasm heap: the
 * JavaScript side passes Float32Array views of it and this code reads and writes them in place.
 *
 * The primitives (Winograd and direct kernels, cached per shape) are in the section "oneDNN convolution
 * primitives" below. The sgemm paths, for what those do not take:
 * Stride-1 method ("shifted GEMM", no im2col): the input is copied once into a zero-padded grid
 * [N, Hp, Wp, Ci] whose rows are flattened; output position r of the padded grid then needs input rows
 * r + a·Wp + b for the kernel offsets (a, b), so each offset is one GEMM [rows × Ci] · [Ci × Co] accumulated
 * into the output. Rows are processed in tiles so the output tile stays in cache across the kh·kw offsets;
 * the two extra columns per row of the grid are computed and dropped (≈ 4% extra work for 3×3 on 35×55).
 * Strided, dilated and one-channel convolutions use im2col in row tiles instead (conv_general).
 * Every function is single-threaded unless setThreads says otherwise.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdio.h>
#include <omp.h>
#include <dnnl.h>
#include "napi_util.h"
#include "elementwise.h"

/* Why the last call failed, for the error the JavaScript side throws. */
static _Thread_local const char *last_error = "out of memory";

/* Row-major C = alpha·op(A)·op(B) + beta·C on omp_get_max_threads() threads; 0 when oneDNN refuses it. */
static int gemm(char ta, char tb, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  if (dnnl_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc) == dnnl_success) return 1;
  last_error = "oneDNN sgemm rejected its arguments (a bug in native/conv.c: please report the shapes)";
  return 0;
}

static int sgemm(char ta, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  return gemm(ta, 'N', m, n, k, a, lda, b, ldb, beta, c, ldc);
}

/* Grow-only scratch buffers: large calloc/free per call would page-fault the whole buffer every time.
 * Thread-local: Node worker threads that each load tfjs share this addon's globals. */
typedef struct { float *p; size_t n; } Scratch;
static _Thread_local Scratch scratchA, scratchB;

static float *scratch(Scratch *s, size_t n) {
  if (s->n < n) {
    free(s->p);
    s->p = (float *)malloc(n * sizeof(float));
    s->n = s->p ? n : 0;
  }
  return s->p;
}

enum { TILE = 2048 };

/* x [N,H,W,C] → grid [N·Hp·Wp + tail, C], x placed at (pt, pl), zeros elsewhere. Rows of x beyond the grid
 * are dropped (they would only feed outputs outside the requested size). */
static void pad_into_grid(const float *x, int N, int H, int W, int C, int pt, int pl, int Hp, int Wp, size_t tail, float *grid) {
  /* Only the cells no copy writes are zeroed: memset of the whole grid costs as much as the copy. */
  const size_t row = (size_t)Wp * C;
  int j0 = pl > 0 ? 0 : -pl;                       /* first source column that lands in the grid */
  int j1 = W < Wp - pl ? W : Wp - pl;              /* one past the last */
  if (j1 < j0) j1 = j0;
  const size_t left = (size_t)(j0 + pl) * C, len = (size_t)(j1 - j0) * C, right = row - left - len;
  for (int n = 0; n < N; n++)
    for (int ip = 0; ip < Hp; ip++) {
      float *dst = grid + ((size_t)n * Hp + ip) * row;
      int i = ip - pt;
      if (i < 0 || i >= H || len == 0) {
        memset(dst, 0, row * sizeof(float));
        continue;
      }
      memset(dst, 0, left * sizeof(float));
      memcpy(dst + left, x + (((size_t)n * H + i) * W + j0) * C, len * sizeof(float));
      memset(dst + left + len, 0, right * sizeof(float));
    }
  memset(grid + (size_t)N * Hp * row, 0, tail * C * sizeof(float));
}

/* y[r, c] += bias[c] (when given), then ReLU (when asked): vectorised compare-and-mask, no branches (a branch on
 * the sign of random activations mispredicts half the time: it made a fused conv 1.8× slower). Kept out of
 * line so the `restrict` promises hold and GCC vectorises it; NaN stays NaN, as in tfjs's Relu. */
__attribute__((noinline)) static void bias_act(float *restrict y, const float *restrict bias, size_t rows, int co, int relu) {
  for (size_t r = 0; r < rows; r++) {
    float *restrict row = y + r * co;
    if (bias)
      for (int c = 0; c < co; c++) row[c] += bias[c];
    if (relu)
      for (int c = 0; c < co; c++) row[c] = row[c] < 0.0f ? 0.0f : row[c];
  }
}

/* y[n,i,j,:] = Σ_{a,b} x[n, i+a−pt, j+b−pl, :] · w[a,b] (+ bias, then ReLU when asked) for i < oh, j < ow.
 * Per image only the grid rows of real output rows are computed (rows oh… of the grid would be dropped), in
 * tiles whose output stays in cache until its real positions are copied out with the bias and ReLU. */
static int conv_s1(const float *x, int N, int H, int W, int Ci, const float *w, int kh, int kw, int Co, int pt, int pl, int oh, int ow,
                   const float *bias, int relu, float *y) {
  int Hp = oh + kh - 1, Wp = ow + kw - 1;
  size_t plane = (size_t)Hp * Wp, R = (size_t)N * plane, tail = (size_t)(kh - 1) * Wp + (kw - 1);
  size_t rowsPerImage = (size_t)oh * Wp;
  float *grid = scratch(&scratchA, (R + tail) * Ci);
  float *out = scratch(&scratchB, (size_t)TILE * Co);
  if (!grid || !out) return 0;
  pad_into_grid(x, N, H, W, Ci, pt, pl, Hp, Wp, tail, grid);
  for (int n = 0; n < N; n++)
    for (size_t q0 = 0; q0 < rowsPerImage; q0 += TILE) {
      int m = (int)(rowsPerImage - q0 < TILE ? rowsPerImage - q0 : TILE);
      size_t r = (size_t)n * plane + q0;
      for (int a = 0; a < kh; a++)
        for (int b = 0; b < kw; b++) {
          size_t off = r + (size_t)a * Wp + b;
          if (!sgemm('N', m, Co, Ci, grid + off * Ci, Ci, w + ((size_t)a * kw + b) * Ci * Co, Co, (a == 0 && b == 0) ? 0.0f : 1.0f, out, Co)) return 0;
        }
      /* Copy out runs of real columns (j < ow) of each grid row in the tile. */
      for (int t = 0; t < m;) {
        size_t q = q0 + t;
        int i = (int)(q / Wp), j = (int)(q % Wp);
        int run = Wp - j < m - t ? Wp - j : m - t;
        int real = j < ow ? (ow - j < run ? ow - j : run) : 0;
        if (real > 0) {
          float *dst = y + (((size_t)n * oh + i) * ow + j) * Co;
          memcpy(dst, out + (size_t)t * Co, (size_t)real * Co * sizeof(float));
          if (bias || relu) bias_act(dst, bias, (size_t)real, Co, relu);
        }
        t += run;
      }
    }
  return 1;
}

/* dw[a,b,:,:] = Σ_{n,i<oh,j<ow} x[n, i+a−pt, j+b−pl, :]ᵀ · dy[n,i,j,:]. */
static int conv_filter_grad(const float *x, int N, int H, int W, int Ci, const float *dy, int oh, int ow, int Co, int kh, int kw, int pt, int pl, float *dw) {
  int Hp = oh + kh - 1, Wp = ow + kw - 1;
  size_t R = (size_t)N * Hp * Wp, tail = (size_t)(kh - 1) * Wp + (kw - 1);
  float *grid = scratch(&scratchA, (R + tail) * Ci);
  float *g = scratch(&scratchB, R * Co);
  if (!grid || !g) return 0;
  pad_into_grid(x, N, H, W, Ci, pt, pl, Hp, Wp, tail, grid);
  /* dy on the same padded grid (at the origin), zeros where the grid has no real output. */
  pad_into_grid(dy, N, oh, ow, Co, 0, 0, Hp, Wp, 0, g);
  memset(dw, 0, (size_t)kh * kw * Ci * Co * sizeof(float));
  /* Grid rows oh… of each image hold no output (dy is zero there): skip them. */
  size_t plane = (size_t)Hp * Wp, rowsPerImage = (size_t)oh * Wp;
  for (int n = 0; n < N; n++)
    for (size_t q0 = 0; q0 < rowsPerImage; q0 += TILE) {
      int m = (int)(rowsPerImage - q0 < TILE ? rowsPerImage - q0 : TILE);
      size_t r = (size_t)n * plane + q0;
      for (int a = 0; a < kh; a++)
        for (int b = 0; b < kw; b++) {
          size_t off = r + (size_t)a * Wp + b;
          if (!sgemm('T', Ci, Co, m, grid + off * Ci, Ci, g + r * Co, Co, 1.0f, dw + ((size_t)a * kw + b) * Ci * Co, Co)) return 0;
        }
    }
  return 1;
}

/* dx = correlation of dy with the spatially flipped, in/out-swapped filter, padded by k−1−p. */
static int conv_input_grad(const float *dy, int N, int oh, int ow, int Co, const float *w, int kh, int kw, int Ci, int pt, int pl, int H, int W, float *dx) {
  size_t n = (size_t)kh * kw * Ci * Co;
  float *wf = (float *)malloc(n * sizeof(float));
  if (!wf) return 0;
  for (int a = 0; a < kh; a++)
    for (int b = 0; b < kw; b++)
      for (int ci = 0; ci < Ci; ci++)
        for (int co = 0; co < Co; co++)
          wf[(((size_t)(kh - 1 - a) * kw + (kw - 1 - b)) * Co + co) * Ci + ci] = w[(((size_t)a * kw + b) * Ci + ci) * Co + co];
  int ok = conv_s1(dy, N, oh, ow, Co, wf, kh, kw, Ci, kh - 1 - pt, kw - 1 - pl, H, W, NULL, 0, dx);
  free(wf);
  return ok;
}

/* ---- Winograd F(4×4, 3×3) where oneDNN has none (CPUs without AVX-512) ----------------------------------
 * oneDNN 2.6 has Winograd kernels for AVX-512 cores only; elsewhere its direct kernel does all 3×3 stride-1
 * work term by term. F(4×4, 3×3) computes each 4×4 output tile from a 6×6 input tile with 36 products per
 * channel pair instead of 144: Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A (Lavin & Gray, 2016, with the points 0, ±1, ±2, ∞).
 * Per block of tiles: the input transform writes V[36][tiles][Ci], 36 sgemm calls multiply each by the
 * transformed filter U[36][Ci][Co] (oneDNN's sgemm: its JIT, at the CPU's width), the output transform reads
 * M[36][tiles][Co] back into NHWC with bias and ReLU. The transforms are compiled twice, for AVX2+FMA and for the
 * baseline, and the AVX2 copy runs where the CPU has it: never wider, so ONEDNN_MAX_CPU_ISA=AVX2 on an AVX-512
 * machine runs what an AVX2 machine runs. Blocks run in parallel on the OpenMP threads (each sgemm then on one). */

/* Each block's V and M fit in about 2 MiB, near the L2 of the cores this targets. */
enum { WINO_BLOCK_FLOATS = 1 << 19 };
static _Thread_local Scratch winoU, winoV, winoM, winoTmp;
static const float wino_zeros[4096]; /* an out-of-image row of up to 4096 channels */

static inline __attribute__((always_inline)) void wino_filter_body(const float *restrict w, size_t cc, float *restrict U) {
  for (size_t k = 0; k < cc; k++) {
    float t[6][3];
    for (int b = 0; b < 3; b++) {
      float g0 = w[(0 * 3 + b) * cc + k], g1 = w[(1 * 3 + b) * cc + k], g2 = w[(2 * 3 + b) * cc + k];
      t[0][b] = 0.25f * g0;
      t[1][b] = -(g0 + g1 + g2) / 6.0f;
      t[2][b] = -(g0 - g1 + g2) / 6.0f;
      t[3][b] = g0 / 24.0f + g1 / 12.0f + g2 / 6.0f;
      t[4][b] = g0 / 24.0f - g1 / 12.0f + g2 / 6.0f;
      t[5][b] = g2;
    }
    for (int r = 0; r < 6; r++) {
      float g0 = t[r][0], g1 = t[r][1], g2 = t[r][2];
      float *u = U + (size_t)r * 6 * cc + k;
      u[0 * cc] = 0.25f * g0;
      u[1 * cc] = -(g0 + g1 + g2) / 6.0f;
      u[2 * cc] = -(g0 - g1 + g2) / 6.0f;
      u[3 * cc] = g0 / 24.0f + g1 / 12.0f + g2 / 6.0f;
      u[4 * cc] = g0 / 24.0f - g1 / 12.0f + g2 / 6.0f;
      u[5 * cc] = g2;
    }
  }
}

/* Bᵀ applied to six rows of C values (a column of the tile, or a row of the half-transformed tile). */
#define WINO_BT(d0, d1, d2, d3, d4, d5, o, stride)                                   \
  do {                                                                             \
    (o)[0 * (stride)] = 4.0f * (d0) - 5.0f * (d2) + (d4);                          \
    (o)[1 * (stride)] = -4.0f * ((d1) + (d2)) + (d3) + (d4);                       \
    (o)[2 * (stride)] = 4.0f * ((d1) - (d2)) - (d3) + (d4);                        \
    (o)[3 * (stride)] = 2.0f * ((d3) - (d1)) - (d2) + (d4);                        \
    (o)[4 * (stride)] = 2.0f * ((d1) - (d3)) - (d2) + (d4);                        \
    (o)[5 * (stride)] = 4.0f * (d1) - 5.0f * (d3) + (d5);                          \
  } while (0)

/* tiles [t0, t0+nt) of x → V[36][nt][C]; tmp holds 36·C floats. Tile t is image t/(th·tw), rows from
 * 4·ti − pt, columns from 4·tj − pl; positions outside the image read zeros. */
static inline __attribute__((always_inline)) void wino_input_body(const float *x, int H, int W, int C, int pt, int pl, int th, int tw, size_t t0, int nt,
                                                                 float *restrict V, float *restrict tmp) {
  const size_t vs = (size_t)nt * C; /* stride between the 36 planes of V */
  for (int q = 0; q < nt; q++) {
    size_t t = t0 + q;
    int n = (int)(t / ((size_t)th * tw)), rem = (int)(t % ((size_t)th * tw));
    int i0 = (rem / tw) * 4 - pt, j0 = (rem % tw) * 4 - pl;
    const float *p[36];
    for (int r = 0; r < 6; r++)
      for (int c = 0; c < 6; c++) {
        int i = i0 + r, j = j0 + c;
        p[r * 6 + c] = (i >= 0 && i < H && j >= 0 && j < W) ? x + (((size_t)n * H + i) * W + j) * C : wino_zeros;
      }
    /* Bᵀ d along each column c → tmp[r][c][:] */
    for (int c = 0; c < 6; c++) {
      const float *restrict d0 = p[c], *restrict d1 = p[6 + c], *restrict d2 = p[12 + c], *restrict d3 = p[18 + c], *restrict d4 = p[24 + c], *restrict d5 = p[30 + c];
      float *restrict o = tmp + (size_t)c * C;
      for (int ch = 0; ch < C; ch++) WINO_BT(d0[ch], d1[ch], d2[ch], d3[ch], d4[ch], d5[ch], o + ch, 6 * C);
    }
    /* … then B along each row r → V[r·6 + c][q][:] */
    for (int r = 0; r < 6; r++) {
      const float *restrict s = tmp + (size_t)r * 6 * C;
      float *restrict v = V + (size_t)r * 6 * vs + (size_t)q * C;
      for (int ch = 0; ch < C; ch++) WINO_BT(s[ch], s[C + ch], s[2 * C + ch], s[3 * C + ch], s[4 * C + ch], s[5 * C + ch], v + ch, vs);
    }
  }
}

/* Aᵀ applied to six values: four outputs. */
#define WINO_AT(m0, m1, m2, m3, m4, m5, o, stride)                                   \
  do {                                                                             \
    float a12 = (m1) + (m2), s12 = (m1) - (m2), a34 = (m3) + (m4), s34 = (m3) - (m4); \
    (o)[0 * (stride)] = (m0) + a12 + a34;                                          \
    (o)[1 * (stride)] = s12 + 2.0f * s34;                                          \
    (o)[2 * (stride)] = a12 + 4.0f * a34;                                          \
    (o)[3 * (stride)] = s12 + 8.0f * s34 + (m5);                                   \
  } while (0)

/* M[36][nt][C] of tiles [t0, t0+nt) → y [N, oh, ow, C] (+ bias, ReLU); tmp holds 24·C floats, out 4·C. */
static inline __attribute__((always_inline)) void wino_output_body(const float *M, int nt, int C, size_t t0, int oh, int ow, int th, int tw,
                                                                  const float *bias, int relu, float *y, float *restrict tmp, float *restrict out) {
  const size_t ms = (size_t)nt * C;
  for (int q = 0; q < nt; q++) {
    size_t t = t0 + q;
    int n = (int)(t / ((size_t)th * tw)), rem = (int)(t % ((size_t)th * tw));
    int i0 = (rem / tw) * 4, j0 = (rem % tw) * 4;
    /* Aᵀ along each column c → tmp[k][c][:] (k < 4) */
    for (int c = 0; c < 6; c++) {
      const float *restrict m = M + (size_t)c * ms + (size_t)q * C;
      float *restrict o = tmp + (size_t)c * C;
      for (int ch = 0; ch < C; ch++) WINO_AT(m[ch], m[6 * ms + ch], m[12 * ms + ch], m[18 * ms + ch], m[24 * ms + ch], m[30 * ms + ch], o + ch, 6 * C);
    }
    for (int k = 0; k < 4 && i0 + k < oh; k++) {
      const float *restrict s = tmp + (size_t)k * 6 * C;
      for (int ch = 0; ch < C; ch++) WINO_AT(s[ch], s[C + ch], s[2 * C + ch], s[3 * C + ch], s[4 * C + ch], s[5 * C + ch], out + ch, C);
      int cols = ow - j0 < 4 ? ow - j0 : 4;
      float *restrict dst = y + (((size_t)n * oh + i0 + k) * ow + j0) * C;
      for (int l = 0; l < cols; l++) {
        float *restrict d = dst + (size_t)l * C;
        const float *restrict o = out + (size_t)l * C;
        if (bias) for (int ch = 0; ch < C; ch++) d[ch] = o[ch] + bias[ch];
        else for (int ch = 0; ch < C; ch++) d[ch] = o[ch];
        if (relu) for (int ch = 0; ch < C; ch++) d[ch] = d[ch] < 0.0f ? 0.0f : d[ch];
      }
    }
  }
}

#define WINO_VARIANTS(name, params, args)                                          \
  __attribute__((target("avx2,fma"))) static void name##_avx2 params { name##_body args; } \
  static void name##_base params { name##_body args; }

WINO_VARIANTS(wino_filter, (const float *w, size_t cc, float *U), (w, cc, U))
WINO_VARIANTS(wino_input, (const float *x, int H, int W, int C, int pt, int pl, int th, int tw, size_t t0, int nt, float *V, float *tmp),
              (x, H, W, C, pt, pl, th, tw, t0, nt, V, tmp))
WINO_VARIANTS(wino_output, (const float *M, int nt, int C, size_t t0, int oh, int ow, int th, int tw, const float *bias, int relu, float *y, float *tmp, float *out),
              (M, nt, C, t0, oh, ow, th, tw, bias, relu, y, tmp, out))

static int wino_avx2(void) {
  static int known = -1;
  if (known < 0) { __builtin_cpu_init(); known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
  return known;
}

/* How a Winograd call splits its 4×4 output tiles into blocks (each block's V and M fit WINO_BLOCK_FLOATS). */
typedef struct { int th, tw, TB; size_t T, blocks; } WinoTiling;

static WinoTiling wino_tiling(int N, int oh, int ow, int Ci, int Co) {
  WinoTiling t;
  t.th = (oh + 3) / 4;
  t.tw = (ow + 3) / 4;
  t.T = (size_t)N * t.th * t.tw;
  t.TB = WINO_BLOCK_FLOATS / (36 * (Ci + Co));
  if (t.TB < 16) t.TB = 16;
  t.blocks = (t.T + t.TB - 1) / t.TB;
  return t;
}

/* This thread's block buffers: V [36][TB][Ci], M [36][TB][Co] and the transforms' tmp; 0 when out of memory. */
static int wino_block_buffers(int TB, int Ci, int Co, float **V, float **M, float **tmp) {
  *V = scratch(&winoV, (size_t)36 * TB * Ci);
  *M = scratch(&winoM, (size_t)36 * TB * Co);
  *tmp = scratch(&winoTmp, (size_t)36 * (Ci > Co ? Ci : Co) + 4 * (size_t)Co);
  return *V && *M && *tmp;
}

/* A block loop's failure code (1: out of memory, 2: sgemm refused) as the error the caller reports; set after
 * the loop because last_error is per thread. */
static void wino_set_error(int failed) {
  last_error = failed == 2 ? "oneDNN sgemm rejected its arguments (a bug in native/conv.c: please report the shapes)" : "out of memory";
}

/* y = conv3×3(x, w) with stride 1 and padding (pt, pl), output oh × ow (+ bias, ReLU). */
static int wino_conv(const float *x, int N, int H, int W, int Ci, const float *w, int Co, int pt, int pl, int oh, int ow,
                     const float *bias, int relu, float *y) {
  if (Ci > 4096) { last_error = "Winograd: more than 4096 input channels"; return 0; }
  const int avx2 = wino_avx2();
  float *U = scratch(&winoU, (size_t)36 * Ci * Co);
  if (!U) return 0;
  (avx2 ? wino_filter_avx2 : wino_filter_base)(w, (size_t)Ci * Co, U);
  const WinoTiling g = wino_tiling(N, oh, ow, Ci, Co);
  const int th = g.th, tw = g.tw, TB = g.TB;
  const size_t T = g.T, blocks = g.blocks;
  int failed = 0; /* 1: out of memory, 2: sgemm refused */
  #pragma omp parallel for schedule(dynamic) if (omp_get_max_threads() > 1 && blocks > 1)
  for (size_t blk = 0; blk < blocks; blk++) {
    int f;
    #pragma omp atomic read
    f = failed;
    if (f) continue;
    size_t t0 = blk * TB;
    int nt = (int)(T - t0 < (size_t)TB ? T - t0 : (size_t)TB);
    float *V, *M, *tmp;
    if (!wino_block_buffers(TB, Ci, Co, &V, &M, &tmp)) {
      #pragma omp atomic write
      failed = 1;
      continue;
    }
    (avx2 ? wino_input_avx2 : wino_input_base)(x, H, W, Ci, pt, pl, th, tw, t0, nt, V, tmp);
    for (int e = 0; e < 36 && !f; e++)
      if (!sgemm('N', nt, Co, Ci, V + (size_t)e * nt * Ci, Ci, U + (size_t)e * Ci * Co, Co, 0.0f, M + (size_t)e * nt * Co, Co)) f = 2;
    if (f) {
      #pragma omp atomic write
      failed = f;
      continue;
    }
    (avx2 ? wino_output_avx2 : wino_output_base)(M, nt, Co, t0, oh, ow, th, tw, bias, relu, y, tmp, tmp + (size_t)24 * Co);
  }
  if (failed) wino_set_error(failed);
  return !failed;
}

/* dy tiles [t0, t0+nt) (4×4 outputs each, zeros past oh × ow) → dM[36][nt][C] = A·dY·Aᵀ, the gradient of the
 * 36 products; tmp holds 24·C floats. */
#define WINO_A(y0, y1, y2, y3, o, stride)                                            \
  do {                                                                             \
    float e02 = (y0) + (y2), e13 = (y1) + (y3), f02 = (y0) + 4.0f * (y2), f13 = 2.0f * (y1) + 8.0f * (y3); \
    (o)[0 * (stride)] = (y0);                                                      \
    (o)[1 * (stride)] = e02 + e13;                                                 \
    (o)[2 * (stride)] = e02 - e13;                                                 \
    (o)[3 * (stride)] = f02 + f13;                                                 \
    (o)[4 * (stride)] = f02 - f13;                                                 \
    (o)[5 * (stride)] = (y3);                                                      \
  } while (0)

static inline __attribute__((always_inline)) void wino_dy_body(const float *dy, int oh, int ow, int C, int th, int tw, size_t t0, int nt,
                                                              float *restrict dM, float *restrict tmp) {
  const size_t ms = (size_t)nt * C;
  for (int q = 0; q < nt; q++) {
    size_t t = t0 + q;
    int n = (int)(t / ((size_t)th * tw)), rem = (int)(t % ((size_t)th * tw));
    int i0 = (rem / tw) * 4, j0 = (rem % tw) * 4;
    const float *p[16];
    for (int k = 0; k < 4; k++)
      for (int l = 0; l < 4; l++)
        p[k * 4 + l] = (i0 + k < oh && j0 + l < ow) ? dy + (((size_t)n * oh + i0 + k) * ow + j0 + l) * C : wino_zeros;
    /* A along each column l → tmp[r][l][:] (r < 6, l < 4) */
    for (int l = 0; l < 4; l++) {
      const float *restrict a = p[l], *restrict b = p[4 + l], *restrict c = p[8 + l], *restrict d = p[12 + l];
      float *restrict o = tmp + (size_t)l * C;
      for (int ch = 0; ch < C; ch++) WINO_A(a[ch], b[ch], c[ch], d[ch], o + ch, 4 * C);
    }
    /* … then along each row r → dM[r·6 + c][q][:] */
    for (int r = 0; r < 6; r++) {
      const float *restrict s = tmp + (size_t)r * 4 * C;
      float *restrict m = dM + (size_t)r * 6 * ms + (size_t)q * C;
      for (int ch = 0; ch < C; ch++) WINO_A(s[ch], s[C + ch], s[2 * C + ch], s[3 * C + ch], m + ch, ms);
    }
  }
}

/* dw[a][b][k] = Σ_{r,c} G[r][a]·dU[r·6+c][k]·G[c][b] for k < cc (k = ci·Co + co): the filter transform's adjoint. */
#define WINO_GT(u0, u1, u2, u3, u4, u5, o, stride)                                   \
  do {                                                                             \
    float s12 = (u1) + (u2), d12 = (u2) - (u1), s34 = (u3) + (u4), d34 = (u3) - (u4); \
    (o)[0 * (stride)] = 0.25f * (u0) - s12 / 6.0f + s34 / 24.0f;                    \
    (o)[1 * (stride)] = d12 / 6.0f + d34 / 12.0f;                                  \
    (o)[2 * (stride)] = -s12 / 6.0f + s34 / 6.0f + (u5);                           \
  } while (0)

static inline __attribute__((always_inline)) void wino_filter_grad_out_body(const float *restrict dU, size_t cc, float *restrict dw) {
  for (size_t k = 0; k < cc; k++) {
    float t[3][6];
    for (int c = 0; c < 6; c++) {
      float tc[3];
      WINO_GT(dU[(0 * 6 + c) * cc + k], dU[(1 * 6 + c) * cc + k], dU[(2 * 6 + c) * cc + k], dU[(3 * 6 + c) * cc + k], dU[(4 * 6 + c) * cc + k], dU[(5 * 6 + c) * cc + k], tc, 1);
      t[0][c] = tc[0]; t[1][c] = tc[1]; t[2][c] = tc[2];
    }
    for (int a = 0; a < 3; a++) {
      float o[3];
      WINO_GT(t[a][0], t[a][1], t[a][2], t[a][3], t[a][4], t[a][5], o, 1);
      for (int b = 0; b < 3; b++) dw[(a * 3 + b) * cc + k] = o[b];
    }
  }
}

WINO_VARIANTS(wino_dy, (const float *dy, int oh, int ow, int C, int th, int tw, size_t t0, int nt, float *dM, float *tmp),
              (dy, oh, ow, C, th, tw, t0, nt, dM, tmp))
WINO_VARIANTS(wino_filter_grad_out, (const float *dU, size_t cc, float *dw), (dU, cc, dw))

/* dw = Σ over tiles of the Winograd products' gradients, transformed back: the filter gradient of wino_conv. */
static int wino_filter_grad(const float *x, int N, int H, int W, int Ci, const float *dy, int oh, int ow, int Co, int pt, int pl, float *dw) {
  if (Ci > 4096 || Co > 4096) { last_error = "Winograd: more than 4096 channels"; return 0; }
  const int avx2 = wino_avx2();
  const size_t uu = (size_t)36 * Ci * Co;
  const WinoTiling g = wino_tiling(N, oh, ow, Ci, Co);
  const int th = g.th, tw = g.tw, TB = g.TB;
  const size_t T = g.T, blocks = g.blocks;
  const int nthreads = omp_get_max_threads() > 1 && blocks > 1 ? omp_get_max_threads() : 1;
  /* Each thread sums its blocks into its own dU; the partial sums are added in thread order (deterministic
   * for a given thread count, as the static schedule assigns the same blocks to the same thread). */
  float *dU = scratch(&winoU, uu * nthreads);
  if (!dU) return 0;
  memset(dU, 0, uu * nthreads * sizeof(float));
  int failed = 0;
  #pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1)
  for (size_t blk = 0; blk < blocks; blk++) {
    int f;
    #pragma omp atomic read
    f = failed;
    if (f) continue;
    size_t t0 = blk * TB;
    int nt = (int)(T - t0 < (size_t)TB ? T - t0 : (size_t)TB);
    float *V, *M, *tmp;
    if (!wino_block_buffers(TB, Ci, Co, &V, &M, &tmp)) {
      #pragma omp atomic write
      failed = 1;
      continue;
    }
    float *mine = dU + uu * (size_t)omp_get_thread_num();
    (avx2 ? wino_input_avx2 : wino_input_base)(x, H, W, Ci, pt, pl, th, tw, t0, nt, V, tmp);
    (avx2 ? wino_dy_avx2 : wino_dy_base)(dy, oh, ow, Co, th, tw, t0, nt, M, tmp);
    for (int e = 0; e < 36 && !f; e++)
      if (!sgemm('T', Ci, Co, nt, V + (size_t)e * nt * Ci, Ci, M + (size_t)e * nt * Co, Co, 1.0f, mine + (size_t)e * Ci * Co, Co)) f = 2;
    if (f) {
      #pragma omp atomic write
      failed = f;
    }
  }
  if (failed) {
    wino_set_error(failed);
    return 0;
  }
  for (int k = 1; k < nthreads; k++)
    for (size_t i = 0; i < uu; i++) dU[i] += dU[uu * k + i];
  (avx2 ? wino_filter_grad_out_avx2 : wino_filter_grad_out_base)(dU, (size_t)Ci * Co, dw);
  return 1;
}

/* dx = Winograd correlation of dy with the flipped, in/out-swapped filter, padded by 2 − p (as conv_input_grad). */
static int wino_input_grad(const float *dy, int N, int oh, int ow, int Co, const float *w, int Ci, int pt, int pl, int H, int W, float *dx) {
  size_t n = (size_t)9 * Ci * Co;
  float *wf = (float *)malloc(n * sizeof(float));
  if (!wf) return 0;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      for (int ci = 0; ci < Ci; ci++)
        for (int co = 0; co < Co; co++)
          wf[(((size_t)(2 - a) * 3 + (2 - b)) * Co + co) * Ci + ci] = w[(((size_t)a * 3 + b) * Ci + ci) * Co + co];
  int ok = wino_conv(dy, N, oh, ow, Co, wf, Ci, 2 - pt, 2 - pl, H, W, NULL, 0, dx);
  free(wf);
  return ok;
}

/* ---- any stride, dilation or channel count: im2col in row tiles ------------------------------------ */

/* Geometry of a general NHWC convolution; output (i, j) reads input (i·sh + a·dh − pt, j·sw + b·dw − pl). */
typedef struct { int N, H, W, Ci, kh, kw, Co, sh, sw, dh, dw, pt, pl, oh, ow; } Geo;

enum { COL_TILE = 1024 };

/* Rows [r0, r0+m) of the im2col matrix, each kh·kw·Ci long (the filter's [kh, kw, Ci] order), zeros outside x. */
static void im2col_rows(const float *x, const Geo *g, size_t r0, int m, float *cols) {
  size_t K = (size_t)g->kh * g->kw * g->Ci;
  for (int t = 0; t < m; t++) {
    size_t r = r0 + t;
    int j = (int)(r % g->ow), i = (int)((r / g->ow) % g->oh), n = (int)(r / ((size_t)g->ow * g->oh));
    float *row = cols + (size_t)t * K;
    for (int a = 0; a < g->kh; a++) {
      int y = i * g->sh + a * g->dh - g->pt;
      for (int b = 0; b < g->kw; b++) {
        int xx = j * g->sw + b * g->dw - g->pl;
        float *dst = row + ((size_t)a * g->kw + b) * g->Ci;
        if (y < 0 || y >= g->H || xx < 0 || xx >= g->W) memset(dst, 0, g->Ci * sizeof(float));
        else memcpy(dst, x + (((size_t)n * g->H + y) * g->W + xx) * g->Ci, g->Ci * sizeof(float));
      }
    }
  }
}

/* The transpose of im2col_rows: add each column row back into dx. */
static void col2im_rows(const float *cols, const Geo *g, size_t r0, int m, float *dx) {
  size_t K = (size_t)g->kh * g->kw * g->Ci;
  for (int t = 0; t < m; t++) {
    size_t r = r0 + t;
    int j = (int)(r % g->ow), i = (int)((r / g->ow) % g->oh), n = (int)(r / ((size_t)g->ow * g->oh));
    const float *row = cols + (size_t)t * K;
    for (int a = 0; a < g->kh; a++) {
      int y = i * g->sh + a * g->dh - g->pt;
      if (y < 0 || y >= g->H) continue;
      for (int b = 0; b < g->kw; b++) {
        int xx = j * g->sw + b * g->dw - g->pl;
        if (xx < 0 || xx >= g->W) continue;
        const float *src = row + ((size_t)a * g->kw + b) * g->Ci;
        float *dst = dx + (((size_t)n * g->H + y) * g->W + xx) * g->Ci;
        for (int c = 0; c < g->Ci; c++) dst[c] += src[c];
      }
    }
  }
}

/* 0: forward y = cols·w; 1: dw = colsᵀ·dy; 2: dx = col2im(dy·wᵀ). */
static int conv_general(int mode, const Geo *g, const float *x, const float *w, float *y) {
  size_t K = (size_t)g->kh * g->kw * g->Ci, R = (size_t)g->N * g->oh * g->ow;
  float *cols = scratch(&scratchA, (size_t)COL_TILE * K);
  if (!cols) return 0;
  if (mode == 1) memset(y, 0, K * g->Co * sizeof(float));
  if (mode == 2) memset(y, 0, (size_t)g->N * g->H * g->W * g->Ci * sizeof(float));
  for (size_t r = 0; r < R; r += COL_TILE) {
    int m = (int)(R - r < COL_TILE ? R - r : COL_TILE);
    if (mode == 0) {
      im2col_rows(x, g, r, m, cols);
      if (!sgemm('N', m, g->Co, (int)K, cols, (int)K, w, g->Co, 0.0f, y + r * g->Co, g->Co)) return 0;
    } else if (mode == 1) {
      /* here x is the layer input and w is dy */
      im2col_rows(x, g, r, m, cols);
      if (!sgemm('T', (int)K, g->Co, m, cols, (int)K, w + r * g->Co, g->Co, 1.0f, y, g->Co)) return 0;
    } else {
      /* here x is dy [R, Co] and w the filter [K, Co]: cols = dy·wᵀ */
      if (!gemm('N', 'T', m, (int)K, g->Co, x + r * g->Co, g->Co, w, g->Co, 0.0f, cols, (int)K)) return 0;
      col2im_rows(cols, g, r, m, y);
    }
  }
  return 1;
}

/* ---- oneDNN convolution primitives ------------------------------------------------------------------
 * oneDNN's own convolution kernels beat any GEMM formulation on this core: its direct "brgconv" kernels reach
 * ~270 GFLOP/s on the refiner's 3×3 64→64 convolution where sgemm tops out at ~220, and its Winograd F(4×4, 3×3)
 * kernels (3×3, stride 1, for the forward pass and both gradients) do the same convolution in well under half
 * the time. Winograd wants blocked activations (16 channels innermost), so tensors are reordered into
 * scratch and back; direct kernels read NHWC in place. Primitives are built once per shape and kept in a small
 * cache (building one costs far more than running it). */

enum { PRIM_FORWARD = 0, PRIM_FILTER_GRAD = 1, PRIM_INPUT_GRAD = 2 };
enum { PRIM_CACHE = 128, KEY_LEN = 20 };

/* One tensor the primitive reads or writes: the caller's layout, the primitive's, and a reorder between them
 * when they differ. */
typedef struct {
  int arg;                       /* DNNL_ARG_* the primitive knows it by */
  dnnl_memory_t user, prim;      /* data handles are set per call */
  dnnl_primitive_t reorder;      /* NULL when the layouts match: the primitive uses the caller's memory */
  size_t bytes;                  /* size of the primitive's layout, for the scratch buffer */
} Operand;

typedef struct {
  int key[KEY_LEN];
  int used;
  dnnl_primitive_t conv;
  Operand op[3];                 /* two inputs, then the output */
  dnnl_memory_t bias;            /* forward with a bias only */
  char impl[48];
} PrimEntry;

static _Thread_local dnnl_engine_t prim_engine;
static _Thread_local dnnl_stream_t prim_stream;
static _Thread_local PrimEntry prim_cache[PRIM_CACHE];
static _Thread_local int prim_count;
static _Thread_local double prim_builds; /* primitives built since load: flat in a training loop, or the cache thrashes */
/* 64-byte aligned grow-only scratch for the reordered operands. */
static _Thread_local struct { void *p; size_t n; } prim_scratch[3];

static void *aligned_scratch(int slot, size_t bytes) {
  if (prim_scratch[slot].n < bytes) {
    free(prim_scratch[slot].p);
    size_t n = (bytes + 63) / 64 * 64;
    prim_scratch[slot].p = aligned_alloc(64, n);
    prim_scratch[slot].n = prim_scratch[slot].p ? n : 0;
  }
  return prim_scratch[slot].p;
}

static void prim_entry_free(PrimEntry *e) {
  if (e->conv) dnnl_primitive_destroy(e->conv);
  for (int k = 0; k < 3; k++) {
    Operand *o = &e->op[k];
    if (o->reorder) dnnl_primitive_destroy(o->reorder);
    if (o->user) dnnl_memory_destroy(o->user);
    if (o->prim) dnnl_memory_destroy(o->prim);
  }
  if (e->bias) dnnl_memory_destroy(e->bias);
  memset(e, 0, sizeof *e);
}

static void prim_release(void) {
  for (int k = 0; k < prim_count; k++) prim_entry_free(&prim_cache[k]);
  prim_count = 0;
  for (int k = 0; k < 3; k++) { free(prim_scratch[k].p); prim_scratch[k].p = NULL; prim_scratch[k].n = 0; }
}

/* user → primitive layout (input) or primitive → user (output); same layouts need no reorder. */
static int operand_init(Operand *o, int arg, const dnnl_memory_desc_t *user, const dnnl_memory_desc_t *prim, int output) {
  o->arg = arg;
  if (dnnl_memory_create(&o->user, user, prim_engine, DNNL_MEMORY_NONE) != dnnl_success) return 0;
  if (dnnl_memory_desc_equal(user, prim)) return 1;
  o->bytes = dnnl_memory_desc_get_size(prim);
  if (dnnl_memory_create(&o->prim, prim, prim_engine, DNNL_MEMORY_NONE) != dnnl_success) return 0;
  dnnl_primitive_desc_t rpd;
  if (dnnl_reorder_primitive_desc_create(&rpd, output ? prim : user, prim_engine, output ? user : prim, prim_engine, NULL) != dnnl_success) return 0;
  dnnl_status_t s = dnnl_primitive_create(&o->reorder, rpd);
  dnnl_primitive_desc_destroy(rpd);
  return s == dnnl_success;
}

static int impl_is_fast(dnnl_primitive_desc_t pd, char *impl, size_t len) {
  const char *name = "";
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
  snprintf(impl, len, "%s", name);
  /* "ref" is a plain loop nest, "gemm" is im2col + sgemm: the addon's own paths do those as well or better. */
  return strstr(name, "ref") == NULL && strstr(name, "gemm") == NULL;
}

/* Build the primitive for one geometry with one algorithm; 0 when oneDNN has no fast implementation for it. */
static int prim_build(PrimEntry *e, int kind, const Geo *g, int has_bias, int relu, dnnl_alg_kind_t alg) {
  dnnl_dims_t sd = {g->N, g->Ci, g->H, g->W}, wd = {g->Co, g->Ci, g->kh, g->kw}, bd = {g->Co}, dd = {g->N, g->Co, g->oh, g->ow};
  dnnl_dims_t strides = {g->sh, g->sw}, dil = {g->dh - 1, g->dw - 1}, pl = {g->pt, g->pl};
  dnnl_dims_t pr = {(g->oh - 1) * g->sh + (g->kh - 1) * g->dh + 1 - g->H - g->pt, (g->ow - 1) * g->sw + (g->kw - 1) * g->dw + 1 - g->W - g->pl};
  /* Winograd runs on blocked activations; direct kernels take the caller's NHWC as it is. */
  dnnl_format_tag_t act = alg == dnnl_convolution_winograd ? dnnl_format_tag_any : dnnl_nhwc;
  dnnl_memory_desc_t src, wei, bias, dst, usrc, uwei, udst;
  if (dnnl_memory_desc_init_by_tag(&src, 4, sd, dnnl_f32, act) || dnnl_memory_desc_init_by_tag(&wei, 4, wd, dnnl_f32, dnnl_format_tag_any) ||
      dnnl_memory_desc_init_by_tag(&bias, 1, bd, dnnl_f32, dnnl_x) || dnnl_memory_desc_init_by_tag(&dst, 4, dd, dnnl_f32, act) ||
      dnnl_memory_desc_init_by_tag(&usrc, 4, sd, dnnl_f32, dnnl_nhwc) || dnnl_memory_desc_init_by_tag(&uwei, 4, wd, dnnl_f32, dnnl_hwio) ||
      dnnl_memory_desc_init_by_tag(&udst, 4, dd, dnnl_f32, dnnl_nhwc))
    return 0;
  dnnl_convolution_desc_t fd, bd_;
  int use_bias = kind == PRIM_FORWARD && has_bias;
  /* forward_training for every forward call: one algorithm whether or not a gradient tape is recording. */
  if (dnnl_dilated_convolution_forward_desc_init(&fd, dnnl_forward_training, alg, &src, &wei, use_bias ? &bias : NULL, &dst, strides, dil, pl, pr)) return 0;
  dnnl_primitive_attr_t attr = NULL;
  if (kind == PRIM_FORWARD && relu) {
    dnnl_post_ops_t po;
    if (dnnl_primitive_attr_create(&attr) || dnnl_post_ops_create(&po)) return 0;
    dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
    dnnl_primitive_attr_set_post_ops(attr, po);
    dnnl_post_ops_destroy(po);
  }
  dnnl_primitive_desc_t fpd = NULL, pd = NULL;
  dnnl_status_t s = dnnl_primitive_desc_create(&fpd, &fd, attr, prim_engine, NULL);
  if (attr) dnnl_primitive_attr_destroy(attr);
  if (s != dnnl_success) return 0;
  if (kind == PRIM_FORWARD) pd = fpd;
  else {
    if (kind == PRIM_FILTER_GRAD) s = dnnl_dilated_convolution_backward_weights_desc_init(&bd_, alg, &src, &wei, NULL, &dst, strides, dil, pl, pr);
    else s = dnnl_dilated_convolution_backward_data_desc_init(&bd_, alg, &src, &wei, &dst, strides, dil, pl, pr);
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &bd_, NULL, prim_engine, fpd);
    dnnl_primitive_desc_destroy(fpd);
    if (s != dnnl_success) return 0;
  }
  int ok = impl_is_fast(pd, e->impl, sizeof e->impl);
#define MD(q) dnnl_primitive_desc_query_md(pd, q, 0)
  if (ok) {
    if (kind == PRIM_FORWARD)
      ok = operand_init(&e->op[0], DNNL_ARG_SRC, &usrc, MD(dnnl_query_src_md), 0) && operand_init(&e->op[1], DNNL_ARG_WEIGHTS, &uwei, MD(dnnl_query_weights_md), 0) &&
           operand_init(&e->op[2], DNNL_ARG_DST, &udst, MD(dnnl_query_dst_md), 1) &&
           (!use_bias || (dnnl_memory_desc_equal(&bias, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1)) &&
                          dnnl_memory_create(&e->bias, &bias, prim_engine, DNNL_MEMORY_NONE) == dnnl_success));
    else if (kind == PRIM_FILTER_GRAD)
      ok = operand_init(&e->op[0], DNNL_ARG_SRC, &usrc, MD(dnnl_query_src_md), 0) && operand_init(&e->op[1], DNNL_ARG_DIFF_DST, &udst, MD(dnnl_query_diff_dst_md), 0) &&
           operand_init(&e->op[2], DNNL_ARG_DIFF_WEIGHTS, &uwei, MD(dnnl_query_diff_weights_md), 1);
    else
      ok = operand_init(&e->op[0], DNNL_ARG_DIFF_DST, &udst, MD(dnnl_query_diff_dst_md), 0) && operand_init(&e->op[1], DNNL_ARG_WEIGHTS, &uwei, MD(dnnl_query_weights_md), 0) &&
           operand_init(&e->op[2], DNNL_ARG_DIFF_SRC, &usrc, MD(dnnl_query_diff_src_md), 1);
  }
#undef MD
  if (ok) ok = dnnl_primitive_create(&e->conv, pd) == dnnl_success;
  dnnl_primitive_desc_destroy(pd);
  return ok;
}

/* The cached primitive for this call, built on first use; NULL when oneDNN has no fast kernel for it (a miss
 * is cached too, so the caller's fallback is decided once per shape). */
static PrimEntry *prim_lookup(int kind, const Geo *g, int has_bias, int relu, int winograd) {
  /* The thread count is part of the key: oneDNN primitives must run with the thread count they were built for. */
  int key[KEY_LEN] = {kind, has_bias, relu, winograd, g->N, g->H, g->W, g->Ci, g->kh, g->kw, g->Co, g->sh, g->sw, g->dh, g->dw, g->pt, g->pl, g->oh, g->ow, omp_get_max_threads()};
  for (int k = 0; k < prim_count; k++)
    if (memcmp(prim_cache[k].key, key, sizeof key) == 0) return prim_cache[k].conv ? &prim_cache[k] : NULL;
  if (!prim_engine) {
    if (dnnl_engine_create(&prim_engine, dnnl_cpu, 0) != dnnl_success) return NULL;
    if (dnnl_stream_create(&prim_stream, prim_engine, dnnl_stream_default_flags) != dnnl_success) return NULL;
  }
  if (prim_count == PRIM_CACHE) { /* many shapes (e.g. varying batch sizes): start over rather than grow */
    for (int k = 0; k < prim_count; k++) prim_entry_free(&prim_cache[k]);
    prim_count = 0;
  }
  PrimEntry *e = &prim_cache[prim_count++];
  prim_builds++;
  memset(e, 0, sizeof *e);
  memcpy(e->key, key, sizeof key);
  int wino = winograd && g->kh == 3 && g->kw == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1;
  if (wino && prim_build(e, kind, g, has_bias, relu, dnnl_convolution_winograd)) return e;
  prim_entry_free(e);
  memcpy(e->key, key, sizeof key);
  if (prim_build(e, kind, g, has_bias, relu, dnnl_convolution_direct)) return e;
  prim_entry_free(e);
  memcpy(e->key, key, sizeof key); /* remembered as a miss */
  return NULL;
}

/* What oneDNN offers on this CPU (after ONEDNN_MAX_CPU_ISA): the kernel it picks for a small 3×3 16→16
 * forward convolution with each algorithm ("" when it has no fast one). Its Winograd kernel exists only on
 * AVX-512 cores, so tests and reports ask here rather than assume. Built outside the cache and freed. */
static void prim_probe(dnnl_alg_kind_t alg, char *impl, size_t len) {
  Geo g = {1, 8, 8, 16, 3, 3, 16, 1, 1, 1, 1, 1, 1, 8, 8};
  PrimEntry e;
  memset(&e, 0, sizeof e);
  impl[0] = 0;
  if (prim_build(&e, PRIM_FORWARD, &g, 0, 0, alg)) snprintf(impl, len, "%s", e.impl);
  prim_entry_free(&e);
}

/* The highest ISA oneDNN dispatches to here, as ONEDNN_MAX_CPU_ISA names it. dnnl_get_effective_cpu_isa only
 * reports a cap (or "all"), so the CPU's own best is read from the kernels oneDNN builds: their names carry it. */
static const char *isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "SSE41";
    case dnnl_cpu_isa_avx: return "AVX";
    case dnnl_cpu_isa_avx2: return "AVX2";
    case dnnl_cpu_isa_avx2_vnni: return "AVX2_VNNI";
    case dnnl_cpu_isa_avx512_core: return "AVX512_CORE";
    case dnnl_cpu_isa_avx512_core_vnni: return "AVX512_CORE_VNNI";
    case dnnl_cpu_isa_avx512_core_bf16: return "AVX512_CORE_BF16";
    case dnnl_cpu_isa_avx512_core_amx: return "AVX512_CORE_AMX";
    case dnnl_cpu_isa_all: return "ALL";
    default: return "OTHER";
  }
}

static int ensure_engine(void) {
  if (prim_engine) return 1;
  return dnnl_engine_create(&prim_engine, dnnl_cpu, 0) == dnnl_success && dnnl_stream_create(&prim_stream, prim_engine, dnnl_stream_default_flags) == dnnl_success;
}

/* Whether oneDNN has a Winograd kernel on this CPU (under ONEDNN_MAX_CPU_ISA), asked once. */
static int onednn_has_winograd(void) {
  static int known = -1;
  if (known < 0) {
    char impl[48];
    if (!ensure_engine()) return 0;
    prim_probe(dnnl_convolution_winograd, impl, sizeof impl);
    known = impl[0] != 0;
  }
  return known;
}

/* The addon's Winograd as a kernel name, in oneDNN's "name:isa" style. */
static const char *own_winograd_name(void) {
  return wino_avx2() ? "simgan_wino_4x3:avx2" : "simgan_wino_4x3:baseline";
}

/* Run a cached primitive: in0/in1 are the caller's inputs, out its output (layouts as tfjs keeps them). */
static int prim_run(PrimEntry *e, const float *in0, const float *in1, float *out, const float *bias) {
  const void *ptr[3] = {in0, in1, out};
  dnnl_exec_arg_t args[4];
  int n = 0;
  for (int k = 0; k < 3; k++) {
    Operand *o = &e->op[k];
    if (dnnl_memory_set_data_handle(o->user, (void *)ptr[k]) != dnnl_success) goto fail;
    dnnl_memory_t m = o->user;
    if (o->reorder) {
      void *buf = aligned_scratch(k, o->bytes);
      if (!buf) { last_error = "out of memory"; return 0; }
      if (dnnl_memory_set_data_handle(o->prim, buf) != dnnl_success) goto fail;
      m = o->prim;
      if (k < 2) {
        dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, o->user}, {DNNL_ARG_TO, o->prim}};
        if (dnnl_primitive_execute(o->reorder, prim_stream, 2, r) != dnnl_success) goto fail;
      }
    }
    args[n++] = (dnnl_exec_arg_t){o->arg, m};
  }
  if (e->bias) {
    if (dnnl_memory_set_data_handle(e->bias, (void *)bias) != dnnl_success) goto fail;
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, e->bias};
  }
  if (dnnl_primitive_execute(e->conv, prim_stream, n, args) != dnnl_success) goto fail;
  if (e->op[2].reorder) {
    dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, e->op[2].prim}, {DNNL_ARG_TO, e->op[2].user}};
    if (dnnl_primitive_execute(e->op[2].reorder, prim_stream, 2, r) != dnnl_success) goto fail;
  }
  if (dnnl_stream_wait(prim_stream) != dnnl_success) goto fail;
  return 1;
fail:
  last_error = "a oneDNN convolution primitive failed to run (a bug in native/conv.c: please report the shapes)";
  return 0;
}

/* ---- max-pool gradient ---------------------------------------------------------------------------- */

/* One image n: dx[n, argmax of window (i, j), c] += dy[n, i, j, c], the window's first strictly largest value
 * in row-major window order, as tfjs's reference (cpu) kernel picks it, so ties (common after a ReLU) go the
 * same way. best and pos: C floats and positions of scratch. */
static inline __attribute__((always_inline)) void max_pool_image_body(const float *dy, const float *x, float *dx, int n, int H, int W, int C,
                                                                      int oh, int ow, int fh, int fw, int sh, int sw, int dh, int dw,
                                                                      int pt, int pl, float *restrict best, int32_t *restrict pos) {
  memset(dx + (size_t)n * H * W * C, 0, (size_t)H * W * C * sizeof(float));
  for (int i = 0; i < oh; i++)
    for (int j = 0; j < ow; j++) {
      for (int c = 0; c < C; c++) { best[c] = -INFINITY; pos[c] = -1; }
      for (int a = 0; a < fh; a++) {
        int xr = i * sh - pt + a * dh;
        if (xr < 0 || xr >= H) continue;
        for (int b = 0; b < fw; b++) {
          int xc = j * sw - pl + b * dw;
          if (xc < 0 || xc >= W) continue;
          int32_t at = (int32_t)((((size_t)n * H + xr) * W + xc) * C);
          const float *restrict v = x + at;
          /* Branch-free (selects), so it vectorises and does not mispredict on random activations. */
          for (int c = 0; c < C; c++) {
            int more = v[c] > best[c];
            best[c] = more ? v[c] : best[c];
            pos[c] = more ? at + c : pos[c];
          }
        }
      }
      const float *g = dy + (((size_t)n * oh + i) * ow + j) * C;
      for (int c = 0; c < C; c++)
        if (pos[c] >= 0) dx[pos[c]] += g[c];
    }
}

WINO_VARIANTS(max_pool_image,
              (const float *dy, const float *x, float *dx, int n, int H, int W, int C, int oh, int ow, int fh, int fw, int sh, int sw,
               int dh, int dw, int pt, int pl, float *best, int32_t *pos),
              (dy, x, dx, n, H, W, C, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, best, pos))

static int max_pool_grad(const float *dy, const float *x, float *dx, int N, int H, int W, int C, int oh, int ow, int fh, int fw,
                         int sh, int sw, int dh, int dw, int pt, int pl) {
  int ok = 1;
  const int avx2 = wino_avx2();
  /* Images in parallel: windows overlap only within an image, so each thread scatters into its own images. */
  #pragma omp parallel if (N > 1 && (size_t)N * oh * ow * C * fh * fw >= 1u << 18)
  {
    float *best = (float *)malloc((size_t)C * sizeof(float));
    /* 32-bit positions (same width as the floats, so the selects vectorise): a wasm heap holds < 2^31 floats. */
    int32_t *pos = (int32_t *)malloc((size_t)C * sizeof(int32_t));
    if (!best || !pos) {
      #pragma omp atomic write
      ok = 0;
    }
    #pragma omp for schedule(static)
    for (int n = 0; n < N; n++) {
      if (!best || !pos) continue;
      if (avx2) max_pool_image_avx2(dy, x, dx, n, H, W, C, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, best, pos);
      else max_pool_image_base(dy, x, dx, n, H, W, C, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, best, pos);
    }
    free(best);
    free(pos);
  }
  return ok;
}

/* ---- Node-API glue ---------------------------------------------------------------------------------- */

/* conv(x, w, y, N, H, W, Ci, kh, kw, Co, pt, pl, oh, ow, bias | null, relu) */
static napi_value js_conv(napi_env env, napi_callback_info info) {
  ARGS(16);
  float *a[3];
  size_t l[3];
  int d[11];
  if (!read_arrays_and_ints(env, args, "conv", a, l, 11, d)) return NULL;
  float *x = a[0], *w = a[1], *y = a[2];
  size_t lx = l[0], lw = l[1], ly = l[2];
  int N = d[0], H = d[1], W = d[2], Ci = d[3], kh = d[4], kw = d[5], Co = d[6], pt = d[7], pl = d[8], oh = d[9], ow = d[10];
  if (lx != (size_t)N * H * W * Ci || lw != (size_t)kh * kw * Ci * Co || ly != (size_t)N * oh * ow * Co)
    return throw_error(env, "conv: array lengths do not match the sizes");
  float *bias = NULL;
  size_t lb = 0;
  int relu;
  napi_valuetype t;
  napi_typeof(env, args[14], &t);
  if (t != napi_null && (!get_floats(env, args[14], &bias, &lb) || lb != (size_t)Co)) return throw_error(env, "conv: bias must be null or a Float32Array of Co values");
  if (napi_get_value_int32(env, args[15], &relu) != napi_ok) return throw_error(env, "conv: relu must be 0 or 1");
  last_error = "out of memory"; /* what a failed allocation means; gemm() overrides it */
  if (!conv_s1(x, N, H, W, Ci, w, kh, kw, Co, pt, pl, oh, ow, bias, relu, y)) return throw_error(env, last_error);
  return NULL;
}

/* filterGrad(x, dy, dw, N, H, W, Ci, oh, ow, Co, kh, kw, pt, pl) */
static napi_value js_filter_grad(napi_env env, napi_callback_info info) {
  ARGS(14);
  float *a[3];
  size_t l[3];
  int d[11];
  if (!read_arrays_and_ints(env, args, "filterGrad", a, l, 11, d)) return NULL;
  float *x = a[0], *dy = a[1], *dw = a[2];
  size_t lx = l[0], ldy = l[1], ldw = l[2];
  int N = d[0], H = d[1], W = d[2], Ci = d[3], oh = d[4], ow = d[5], Co = d[6], kh = d[7], kw = d[8], pt = d[9], pl = d[10];
  if (lx != (size_t)N * H * W * Ci || ldy != (size_t)N * oh * ow * Co || ldw != (size_t)kh * kw * Ci * Co)
    return throw_error(env, "filterGrad: array lengths do not match the sizes");
  last_error = "out of memory"; /* what a failed allocation means; gemm() overrides it */
  if (!conv_filter_grad(x, N, H, W, Ci, dy, oh, ow, Co, kh, kw, pt, pl, dw)) return throw_error(env, last_error);
  return NULL;
}

/* inputGrad(dy, w, dx, N, oh, ow, Co, kh, kw, Ci, pt, pl, H, W) */
static napi_value js_input_grad(napi_env env, napi_callback_info info) {
  ARGS(14);
  float *a[3];
  size_t l[3];
  int d[11];
  if (!read_arrays_and_ints(env, args, "inputGrad", a, l, 11, d)) return NULL;
  float *dy = a[0], *w = a[1], *dx = a[2];
  size_t ldy = l[0], lw = l[1], ldx = l[2];
  int N = d[0], oh = d[1], ow = d[2], Co = d[3], kh = d[4], kw = d[5], Ci = d[6], pt = d[7], pl = d[8], H = d[9], W = d[10];
  if (ldy != (size_t)N * oh * ow * Co || lw != (size_t)kh * kw * Ci * Co || ldx != (size_t)N * H * W * Ci)
    return throw_error(env, "inputGrad: array lengths do not match the sizes");
  last_error = "out of memory"; /* what a failed allocation means; gemm() overrides it */
  if (!conv_input_grad(dy, N, oh, ow, Co, w, kh, kw, Ci, pt, pl, H, W, dx)) return throw_error(env, last_error);
  return NULL;
}

/* biasAct(y, bias | null, Co, relu): y[..., c] += bias[c], then max(0, ·) when relu ≠ 0 (FusedConv2D). */
static napi_value js_bias_act(napi_env env, napi_callback_info info) {
  ARGS(4);
  float *y, *bias = NULL;
  size_t ly, lb = 0;
  int co, relu;
  napi_valuetype t;
  if (!get_floats(env, args[0], &y, &ly)) return throw_error(env, "biasAct: y must be a Float32Array");
  napi_typeof(env, args[1], &t);
  if (t != napi_null && !get_floats(env, args[1], &bias, &lb)) return throw_error(env, "biasAct: bias must be a Float32Array or null");
  if (napi_get_value_int32(env, args[2], &co) != napi_ok || napi_get_value_int32(env, args[3], &relu) != napi_ok || co < 1 || ly % co != 0 || (bias && lb != (size_t)co))
    return throw_error(env, "biasAct: sizes do not match");
  bias_act(y, bias, ly / co, co, relu);
  return NULL;
}

/* Read the 15 geometry integers at args[from…] into g and check the three arrays' lengths for `kind` (0: x, w,
 * y; 1: x, dy, dw; 2: dy, w, dx) and the strides; 0 (with a JavaScript error naming `name`) when they are wrong. */
static int read_geometry(napi_env env, napi_value *args, int from, const char *name, int kind, size_t la, size_t lb, size_t lo, Geo *g) {
  char msg[128];
  int d[15];
  const char *problem = NULL;
  if (!get_ints(env, args, from, 15, d)) problem = "sizes must be integers";
  else {
    *g = (Geo){d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
    size_t nx = (size_t)g->N * g->H * g->W * g->Ci, nw = (size_t)g->kh * g->kw * g->Ci * g->Co, ny = (size_t)g->N * g->oh * g->ow * g->Co;
    size_t want[3][3] = {{nx, nw, ny}, {nx, ny, nw}, {ny, nw, nx}};
    if (la != want[kind][0] || lb != want[kind][1] || lo != want[kind][2]) problem = "array lengths do not match the sizes";
    else if (g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1) problem = "strides and dilations must be ≥ 1";
  }
  if (!problem) return 1;
  snprintf(msg, sizeof msg, "%s: %s", name, problem);
  napi_throw_error(env, NULL, msg);
  return 0;
}

/* convGeneral(mode, a, b, out, N, H, W, Ci, kh, kw, Co, sh, sw, dh, dw, pt, pl, oh, ow): see conv_general. */
static napi_value js_conv_general(napi_env env, napi_callback_info info) {
  ARGS(19);
  int mode;
  float *a, *b, *out;
  size_t la, lb, lo;
  Geo g;
  if (napi_get_value_int32(env, args[0], &mode) != napi_ok || mode < 0 || mode > 2) return throw_error(env, "convGeneral: mode must be 0, 1 or 2");
  if (!get_floats(env, args[1], &a, &la) || !get_floats(env, args[2], &b, &lb) || !get_floats(env, args[3], &out, &lo))
    return throw_error(env, "convGeneral: arrays must be Float32Arrays");
  if (!read_geometry(env, args, 4, "convGeneral", mode, la, lb, lo, &g)) return NULL;
  last_error = "out of memory"; /* what a failed allocation means; gemm() overrides it */
  if (!conv_general(mode, &g, a, b, out)) return throw_error(env, last_error);
  return NULL;
}

/* convPrimitive(kind, a, b, out, bias | null, relu, winograd, N, H, W, Ci, kh, kw, Co, sh, sw, dh, dw, pt, pl, oh, ow):
 * kind 0 forward (a = x, b = w, out = y; bias and relu applied), 1 filter gradient (a = x, b = dy, out = dw),
 * 2 input gradient (a = dy, b = w, out = dx). Returns the oneDNN kernel's name, or null (nothing written) when
 * oneDNN has no fast kernel for this shape and the caller should use another path. */
static napi_value js_conv_primitive(napi_env env, napi_callback_info info) {
  ARGS(22);
  int kind, relu, winograd;
  float *a, *b, *out, *bias = NULL;
  size_t la, lb, lo, lbias = 0;
  napi_valuetype t;
  Geo g;
  if (napi_get_value_int32(env, args[0], &kind) != napi_ok || kind < 0 || kind > 2) return throw_error(env, "convPrimitive: kind must be 0, 1 or 2");
  if (!get_floats(env, args[1], &a, &la) || !get_floats(env, args[2], &b, &lb) || !get_floats(env, args[3], &out, &lo))
    return throw_error(env, "convPrimitive: arrays must be Float32Arrays");
  napi_typeof(env, args[4], &t);
  if (t != napi_null && !get_floats(env, args[4], &bias, &lbias)) return throw_error(env, "convPrimitive: bias must be null or a Float32Array");
  if (napi_get_value_int32(env, args[5], &relu) != napi_ok || napi_get_value_int32(env, args[6], &winograd) != napi_ok)
    return throw_error(env, "convPrimitive: relu and winograd must be 0 or 1");
  if (!read_geometry(env, args, 7, "convPrimitive", kind, la, lb, lo, &g)) return NULL;
  if (bias && (kind != PRIM_FORWARD || lbias != (size_t)g.Co)) return throw_error(env, "convPrimitive: bias must be Co values, and only in the forward pass");
  napi_value result;
  /* Asked for Winograd where oneDNN has none: the addon's own. */
  int wino_shape = g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1;
  if (winograd && wino_shape && !onednn_has_winograd()) {
    last_error = "out of memory";
    int ok = kind == PRIM_FORWARD ? wino_conv(a, g.N, g.H, g.W, g.Ci, b, g.Co, g.pt, g.pl, g.oh, g.ow, bias, relu, out)
           : kind == PRIM_FILTER_GRAD ? wino_filter_grad(a, g.N, g.H, g.W, g.Ci, b, g.oh, g.ow, g.Co, g.pt, g.pl, out)
                                      : wino_input_grad(a, g.N, g.oh, g.ow, g.Co, b, g.Ci, g.pt, g.pl, g.H, g.W, out);
    if (!ok) return throw_error(env, last_error);
    napi_create_string_utf8(env, own_winograd_name(), NAPI_AUTO_LENGTH, &result);
    return result;
  }
  PrimEntry *e = prim_lookup(kind, &g, bias != NULL, relu != 0 && kind == PRIM_FORWARD, winograd != 0);
  if (!e) {
    napi_get_null(env, &result);
    return result;
  }
  if (!prim_run(e, a, b, out, bias)) return throw_error(env, last_error);
  napi_create_string_utf8(env, e->impl, NAPI_AUTO_LENGTH, &result);
  return result;
}

/* maxPoolGrad(dy, x, dx, N, H, W, C, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl) */
static napi_value js_max_pool_grad(napi_env env, napi_callback_info info) {
  ARGS(17);
  float *a[3];
  size_t l[3];
  int d[14];
  if (!read_arrays_and_ints(env, args, "maxPoolGrad", a, l, 14, d)) return NULL;
  float *dy = a[0], *x = a[1], *dx = a[2];
  size_t ldy = l[0], lx = l[1], ldx = l[2];
  int N = d[0], H = d[1], W = d[2], C = d[3], oh = d[4], ow = d[5];
  if (lx != (size_t)N * H * W * C || ldx != lx || ldy != (size_t)N * oh * ow * C) return throw_error(env, "maxPoolGrad: array lengths do not match the sizes");
  if (lx > (size_t)INT32_MAX) return throw_error(env, "maxPoolGrad: more than 2^31 values");
  last_error = "out of memory"; /* what a failed allocation means; gemm() overrides it */
  if (!max_pool_grad(dy, x, dx, N, H, W, C, oh, ow, d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13])) return throw_error(env, last_error);
  return NULL;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  ARGS(1);
  int n;
  if (napi_get_value_int32(env, args[0], &n) != napi_ok || n < 1) return throw_error(env, "setThreads: need an integer ≥ 1");
  omp_set_num_threads(n);
  return NULL;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  napi_create_object(env, &obj);
  const dnnl_version_t *ver = dnnl_version();
  char name[64];
  snprintf(name, sizeof name, "oneDNN %d.%d.%d", ver->major, ver->minor, ver->patch);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "library", v);
  napi_create_int32(env, omp_get_max_threads(), &v);
  napi_set_named_property(env, obj, "threads", v);
  napi_create_int32(env, prim_count, &v);
  napi_set_named_property(env, obj, "cachedPrimitives", v);
  napi_create_double(env, prim_builds, &v);
  napi_set_named_property(env, obj, "primitivesBuilt", v);
  return obj;
}

/* capabilities(): { maxIsa, direct, winograd } — the ISA cap oneDNN works under ("ALL" when uncapped) and the
 * kernel names of the probe convolution with each algorithm ("" = none fast). */
static napi_value js_capabilities(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  char impl[48];
  napi_create_object(env, &obj);
  if (!prim_engine) {
    if (dnnl_engine_create(&prim_engine, dnnl_cpu, 0) != dnnl_success || dnnl_stream_create(&prim_stream, prim_engine, dnnl_stream_default_flags) != dnnl_success)
      return throw_error(env, "capabilities: oneDNN could not create a CPU engine");
  }
  napi_create_string_utf8(env, isa_name(dnnl_get_effective_cpu_isa()), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "maxIsa", v);
  prim_probe(dnnl_convolution_direct, impl, sizeof impl);
  napi_create_string_utf8(env, impl, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "direct", v);
  prim_probe(dnnl_convolution_winograd, impl, sizeof impl);
  napi_create_string_utf8(env, impl, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "winograd", v);
  /* What the addon runs for Winograd-shaped convolutions when oneDNN has no Winograd kernel. */
  napi_create_string_utf8(env, own_winograd_name(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "ownWinograd", v);
  return obj;
}

/* Release the scratch buffers (tests and long-lived notebooks). */
static napi_value js_release(napi_env env, napi_callback_info info) {
  (void)env; (void)info;
  free(scratchA.p); free(scratchB.p);
  scratchA.p = scratchB.p = NULL;
  scratchA.n = scratchB.n = 0;
  prim_release();
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"conv", NULL, js_conv, NULL, NULL, NULL, napi_default, NULL},
    {"filterGrad", NULL, js_filter_grad, NULL, NULL, NULL, napi_default, NULL},
    {"inputGrad", NULL, js_input_grad, NULL, NULL, NULL, napi_default, NULL},
    {"convPrimitive", NULL, js_conv_primitive, NULL, NULL, NULL, napi_default, NULL},
    {"convGeneral", NULL, js_conv_general, NULL, NULL, NULL, napi_default, NULL},
    {"maxPoolGrad", NULL, js_max_pool_grad, NULL, NULL, NULL, napi_default, NULL},
    {"biasAct", NULL, js_bias_act, NULL, NULL, NULL, napi_default, NULL},
    {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
    {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
    {"capabilities", NULL, js_capabilities, NULL, NULL, NULL, napi_default, NULL},
    {"release", NULL, js_release, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  elementwise_define(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
