/**
 * The evaluation side of the failure watch (train/monitor.ts): over a whole synthetic set, did the refiner
 * change its input at all, relative to the gap between the domains, while a C2ST still tells refined from
 * real — or did it wipe the input out? Judged against the real domain's own statistics, so MNIST's black
 * background is not mistaken for saturation.
 */
import type { ImageDataset } from '../data/dataset';
import { COLLAPSE_LIMITS, domainReference, DomainReference } from '../train/monitor';

export interface RefinerCheck {
  /** Mean |refined − synthetic| per pixel. */
  change: number;
  /** Refined pixels' std and share saturated at ±1. */
  refinedStd: number;
  refinedSaturated: number;
  reference: DomainReference;
  /** C2ST accuracy of refined vs held-out real used in the verdict (undefined: no C2ST). */
  c2stRefined?: number;
  verdict: 'ok' | 'does-nothing' | 'wipes-out';
  /** The warning, with its numbers and the usual fixes (absent when ok). */
  warning?: string;
}

/** Compare `refined` (the refiner's output on `synthetic`, same order) with its input and with `real`. */
export function refinerCheck(synthetic: ImageDataset, refined: ImageDataset, real: ImageDataset, c2stRefined?: number, lambda?: number): RefinerCheck {
  const reference = domainReference(synthetic, real);
  const per = synthetic.imageShape[0] * synthetic.imageShape[1] * synthetic.imageShape[2];
  let change = 0, sum = 0, sq = 0, sat = 0;
  for (let i = 0; i < refined.size; i++) {
    const r = refined.image(i), s = synthetic.image(i);
    for (let p = 0; p < per; p++) {
      change += Math.abs(r[p] - s[p]);
      sum += r[p];
      sq += r[p] * r[p];
      if (Math.abs(r[p]) > 0.98) sat++;
    }
  }
  const n = refined.size * per;
  const mean = sum / n;
  const out: RefinerCheck = {
    change: change / n,
    refinedStd: Math.sqrt(Math.max(0, sq / n - mean * mean)),
    refinedSaturated: sat / n,
    reference,
    c2stRefined,
    verdict: 'ok',
  };
  const L = COLLAPSE_LIMITS, pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  if (1 - out.refinedSaturated < L.minUnsaturatedRatio * (1 - reference.realSaturated) || out.refinedStd < L.minStdRatio * reference.realStd) {
    out.verdict = 'wipes-out';
    out.warning =
      `the refiner wipes out its input: ${pct(out.refinedSaturated)} of refined pixels saturated at ±1 (real ${pct(reference.realSaturated)}), ` +
      `std ${out.refinedStd.toFixed(3)} (real ${reference.realStd.toFixed(3)}) — usually fixed by a larger λ, a lower refiner learning rate, or fewer D updates per R update (schedule.kD)`;
  } else if (c2stRefined !== undefined && reference.gap > 0 && out.change < L.idleChangeRatio * reference.gap && c2stRefined >= L.idleDAccuracy) {
    out.verdict = 'does-nothing';
    out.warning =
      `the refiner does nothing: it changes its input by ${out.change.toFixed(4)} per pixel, under ${pct(L.idleChangeRatio)} of the ${reference.gap.toFixed(3)} between the domains' mean images, ` +
      `while a C2ST tells ${pct(c2stRefined)} of refined images from real — usually fixed by a smaller λ${lambda === undefined ? '' : ` (now ${lambda})`}, a higher refiner learning rate, or more R updates per D update (schedule.kG)`;
  }
  return out;
}
