/**
 * Failure watch, judged against the real domain rather than absolute thresholds (MNIST is mostly background
 * at −1, so "90% of pixels saturated" is normal there and a collapse on eyes):
 *
 * - the refiner **does nothing**: it changes its input by less than a tenth of the gap between the two
 *   domains' mean images while D keeps telling refined from real (the most common SimGAN complaint);
 * - the refiner **wipes out its input**: its output is nearly constant, or saturated at ±1 on far more
 *   pixels than real images are;
 * - D is right about nearly everything on both domains for many iterations in a row.
 *
 * Each warning carries its numbers and what usually fixes it. Pure bookkeeping over per-step statistics.
 */
import type { ImageDataset } from '../data/dataset';

export interface RefinedStats {
  /** Standard deviation of all refined pixels in the batch. */
  std: number;
  /** Fraction of refined pixels with |value| > 0.98 (tanh saturated). */
  saturated: number;
  /** Mean |refined − synthetic| per pixel (how much the refiner changed its input). */
  change?: number;
}

/** What the real domain looks like, measured once from the data a run trains on. */
export interface DomainReference {
  /** Std of real pixels. */
  realStd: number;
  /** Fraction of real pixels with |value| > 0.98. */
  realSaturated: number;
  /** Mean over pixels of |mean real image − mean synthetic image|: the least a refiner must change. */
  gap: number;
}

export interface MonitorState {
  dWinsStreak: number;
  /** Iterations in a row the refiner did nothing while D told refined from real. */
  idleStreak?: number;
  active: string[];
}

export const COLLAPSE_LIMITS = {
  /** Nearly constant: refined std below this fraction of the real std. */
  minStdRatio: 0.1,
  /** Saturated: refined keeps less than this fraction of the real domain's share of unsaturated pixels. */
  minUnsaturatedRatio: 0.25,
  /** Doing nothing: change below this fraction of the domain gap … */
  idleChangeRatio: 0.1,
  /** … while D calls at least this share of refined images refined. */
  idleDAccuracy: 0.9,
  /** D winning: accuracy on both domains at least this. */
  dAccuracy: 0.99,
} as const;

/** The reference statistics of a domain pair, from up to `n` images of each (evenly spaced). */
export function domainReference(synthetic: ImageDataset, real: ImageDataset, n = 512): DomainReference {
  const per = real.imageShape[0] * real.imageShape[1] * real.imageShape[2];
  const meanImage = (ds: ImageDataset): Float64Array => {
    const m = Math.min(n, ds.size), acc = new Float64Array(per);
    for (let i = 0; i < m; i++) {
      const img = ds.image(Math.floor((i * ds.size) / m));
      for (let p = 0; p < per; p++) acc[p] += img[p] / m;
    }
    return acc;
  };
  const m = Math.min(n, real.size);
  let sum = 0, sq = 0, sat = 0;
  for (let i = 0; i < m; i++) {
    const img = real.image(Math.floor((i * real.size) / m));
    for (let p = 0; p < per; p++) {
      sum += img[p];
      sq += img[p] * img[p];
      if (Math.abs(img[p]) > 0.98) sat++;
    }
  }
  const count = m * per, mean = sum / count;
  const [ms, mr] = [meanImage(synthetic), meanImage(real)];
  let gap = 0;
  for (let p = 0; p < per; p++) gap += Math.abs(mr[p] - ms[p]) / per;
  return { realStd: Math.sqrt(Math.max(0, sq / count - mean * mean)), realSaturated: sat / count, gap };
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

export class CollapseMonitor {
  private state: Required<MonitorState> = { dWinsStreak: 0, idleStreak: 0, active: [] };

  constructor(
    private readonly patience: number,
    private readonly reference: DomainReference,
    /** λ, named in the advice. */
    private readonly lambda?: number,
  ) {}

  /**
   * Update with one adversarial iteration's numbers; returns the warnings active now and those that just
   * started (to print once).
   */
  update(stats: RefinedStats | undefined, accRefined: number | undefined, accReal: number | undefined): { active: string[]; started: string[] } {
    const ref = this.reference, L = COLLAPSE_LIMITS;
    const active: string[] = [];
    const wipeFix = 'usually fixed by a larger λ, a lower refiner learning rate, or fewer D updates per R update (schedule.kD)';
    if (stats && stats.std < L.minStdRatio * ref.realStd) {
      active.push(`refiner output is nearly constant (std ${stats.std.toFixed(4)}; real images ${ref.realStd.toFixed(3)}): it wipes out its input — ${wipeFix}`);
    }
    if (stats && 1 - stats.saturated < L.minUnsaturatedRatio * (1 - ref.realSaturated)) {
      active.push(`refiner output saturated at ±1 (${pct(stats.saturated)} of pixels; real images ${pct(ref.realSaturated)}): it wipes out its input — ${wipeFix}`);
    }
    const idle = stats?.change !== undefined && ref.gap > 0 && stats.change < L.idleChangeRatio * ref.gap && accRefined !== undefined && accRefined >= L.idleDAccuracy;
    this.state.idleStreak = idle ? this.state.idleStreak + 1 : 0;
    if (this.state.idleStreak >= this.patience) {
      const lam = this.lambda === undefined ? 'λ' : `λ (now ${this.lambda})`;
      active.push(
        `the refiner does nothing (changes its input by ${stats!.change!.toFixed(4)} per pixel, under ${pct(L.idleChangeRatio)} of the ${ref.gap.toFixed(3)} between the domains' mean images) ` +
          `while D tells ${pct(accRefined!)} of refined images from real, for ${this.state.idleStreak} iterations — usually fixed by a smaller ${lam}, ` +
          'a higher refiner learning rate, or more R updates per D update (schedule.kG)',
      );
    }
    if (accRefined !== undefined && accReal !== undefined) {
      this.state.dWinsStreak = accRefined >= L.dAccuracy && accReal >= L.dAccuracy ? this.state.dWinsStreak + 1 : 0;
    }
    if (this.state.dWinsStreak >= this.patience) active.push(`discriminator accuracy ≥ 99% on both domains for ${this.state.dWinsStreak} iterations`);
    const kinds = (list: string[]) => list.map((w) => w.split(' (')[0].split(' for ')[0]);
    const before = new Set(kinds(this.state.active));
    const started = active.filter((w, i) => !before.has(kinds(active)[i]));
    this.state.active = active;
    return { active, started };
  }

  getState(): MonitorState {
    return { dWinsStreak: this.state.dWinsStreak, idleStreak: this.state.idleStreak, active: this.state.active.slice() };
  }

  setState(s: MonitorState): void {
    this.state = { dWinsStreak: s.dWinsStreak, idleStreak: s.idleStreak ?? 0, active: s.active.slice() };
  }
}
