/**
 * Realism distances on network features, beside the C2ST:
 *
 * - KID (Bińkowski et al., 2018): the unbiased estimate of MMD² between two feature sets with the cubic
 *   polynomial kernel k(x, y) = (x·y / d + 1)³. Unbiased, so identical distributions give 0 on average
 *   (single subsets can be slightly negative).
 * - The Fréchet distance between Gaussians fitted to the two sets (FID's formula):
 *   ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½), with Tr (Σ₁Σ₂)^½ = Σ √eig(Σ₁^½ Σ₂ Σ₁^½) from symmetric
 *   eigendecompositions (Jacobi). Biased upward for small sets, so compare values at equal set sizes.
 *
 * Both are computed over random subsets of equal size; the reported interval is the 2.5–97.5 percentile of
 * the subset values (their spread, not a confidence interval of the mean). Pure functions on Float64 rows.
 */
import { Rng } from '../util/random';
import type { Summary } from './stats';

export type Rows = Float64Array[];

/** Unbiased MMD² with the cubic polynomial kernel. */
export function kidMmd2(x: Rows, y: Rows): number {
  const d = x[0].length;
  const k = (a: Float64Array, b: Float64Array) => {
    let dot = 0;
    for (let i = 0; i < d; i++) dot += a[i] * b[i];
    return (dot / d + 1) ** 3;
  };
  const within = (s: Rows) => {
    let sum = 0;
    for (let i = 0; i < s.length; i++) for (let j = i + 1; j < s.length; j++) sum += k(s[i], s[j]);
    return (2 * sum) / (s.length * (s.length - 1));
  };
  let cross = 0;
  for (const a of x) for (const b of y) cross += k(a, b);
  return within(x) + within(y) - (2 * cross) / (x.length * y.length);
}

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major n×n) of a symmetric matrix, by cyclic Jacobi. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, total = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (i === j ? (total += m[i * n + j] ** 2) : (off += m[i * n + j] ** 2));
    if (off <= 1e-22 * (total + off) || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p], mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k], mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, vectors: v };
}

function meanAndCovariance(x: Rows): { mean: Float64Array; cov: Float64Array } {
  const n = x.length, d = x[0].length;
  const mean = new Float64Array(d);
  for (const r of x) for (let i = 0; i < d; i++) mean[i] += r[i] / n;
  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (const r of x) {
    for (let i = 0; i < d; i++) c[i] = r[i] - mean[i];
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[i * d + j] += (c[i] * c[j]) / (n - 1);
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i];
  return { mean, cov };
}

/** A symmetric PSD matrix's square root (negative eigenvalues from round-off clipped to 0). */
function sqrtPsd(a: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(0, values[k]));
    if (s === 0) continue;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] += s * vectors[i * d + k] * vectors[j * d + k];
  }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) {
    const aik = a[i * d + k];
    if (aik === 0) continue;
    for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j];
  }
  return out;
}

/** The Fréchet distance between Gaussians fitted to `x` and `y`. */
export function frechetDistance(x: Rows, y: Rows): number {
  const d = x[0].length;
  const a = meanAndCovariance(x), b = meanAndCovariance(y);
  let meanTerm = 0, trace = 0;
  for (let i = 0; i < d; i++) {
    meanTerm += (a.mean[i] - b.mean[i]) ** 2;
    trace += a.cov[i * d + i] + b.cov[i * d + i];
  }
  const root = sqrtPsd(a.cov, d);
  const inner = matmul(matmul(root, b.cov, d), root, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) inner[i * d + j] = inner[j * d + i] = (inner[i * d + j] + inner[j * d + i]) / 2;
  const { values } = symmetricEigen(inner, d);
  let crossTrace = 0;
  for (const v of values) crossTrace += Math.sqrt(Math.max(0, v));
  return meanTerm + trace - 2 * crossTrace;
}

/** Mean and 2.5–97.5 percentile spread of values (the Summary shape the reports use). */
export function spreadSummary(values: number[]): Summary {
  const sorted = values.slice().sort((p, q) => p - q);
  const at = (f: number) => {
    const pos = f * (sorted.length - 1), lo = Math.floor(pos), hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std, low: at(0.025), high: at(0.975), n: values.length, values };
}

export interface SubsetOptions {
  /** Random subsets per comparison (default 20). */
  subsets?: number;
  /** Rows per side in each subset (default min(500, the smaller set)). */
  size?: number;
  seed?: number;
}

/** `metric` over random equal-size subsets (without replacement within a subset) of `x` and `y`. */
export function overSubsets(metric: (x: Rows, y: Rows) => number, x: Rows, y: Rows, o: SubsetOptions = {}): Summary {
  const size = Math.min(o.size ?? 500, x.length, y.length);
  if (size < 2) throw new Error(`overSubsets: need at least 2 rows a side, got ${x.length} and ${y.length}`);
  const rng = new Rng(o.seed ?? 1);
  const pick = (rows: Rows) => {
    const idx = Array.from(rows.keys());
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(rng.next() * (idx.length - i));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx.slice(0, size).map((i) => rows[i]);
  };
  const values: number[] = [];
  for (let s = 0; s < (o.subsets ?? 20); s++) values.push(metric(pick(x), pick(y)));
  return spreadSummary(values);
}
