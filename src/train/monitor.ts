/**
 * Collapse watch: the two failure modes seen when SimGAN's learning rates are off — the refiner's output
 * going constant or saturating at ±1 (after D wins, R gives up on the image), and D being right about
 * nearly everything for many iterations in a row. Pure bookkeeping over per-step statistics.
 */
export interface RefinedStats {
  /** Standard deviation of all refined pixels in the batch. */
  std: number;
  /** Fraction of refined pixels with |value| > 0.98 (tanh saturated). */
  saturated: number;
}

export interface MonitorState {
  dWinsStreak: number;
  active: string[];
}

export const COLLAPSE_LIMITS = { minStd: 0.02, maxSaturated: 0.9, dAccuracy: 0.99 } as const;

export class CollapseMonitor {
  private state: MonitorState = { dWinsStreak: 0, active: [] };

  constructor(private readonly patience: number) {}

  /**
   * Update with one adversarial iteration's numbers; returns the warnings active now and those that just
   * started (to print once).
   */
  update(stats: RefinedStats | undefined, accRefined: number | undefined, accReal: number | undefined): { active: string[]; started: string[] } {
    const active: string[] = [];
    if (stats && stats.std < COLLAPSE_LIMITS.minStd) active.push(`refiner output is nearly constant (std ${stats.std.toFixed(4)})`);
    if (stats && stats.saturated > COLLAPSE_LIMITS.maxSaturated) active.push(`refiner output saturated at ±1 (${(stats.saturated * 100).toFixed(0)}% of pixels)`);
    if (accRefined !== undefined && accReal !== undefined) {
      this.state.dWinsStreak = accRefined >= COLLAPSE_LIMITS.dAccuracy && accReal >= COLLAPSE_LIMITS.dAccuracy ? this.state.dWinsStreak + 1 : 0;
    }
    if (this.state.dWinsStreak >= this.patience) active.push(`discriminator accuracy ≥ 99% on both domains for ${this.state.dWinsStreak} iterations`);
    const kinds = (list: string[]) => list.map((w) => w.split(' (')[0].split(' for ')[0]);
    const before = new Set(kinds(this.state.active));
    const started = active.filter((w, i) => !before.has(kinds(active)[i]));
    this.state.active = active;
    return { active, started };
  }

  getState(): MonitorState {
    return { dWinsStreak: this.state.dWinsStreak, active: this.state.active.slice() };
  }

  setState(s: MonitorState): void {
    this.state = { dWinsStreak: s.dWinsStreak, active: s.active.slice() };
  }
}
