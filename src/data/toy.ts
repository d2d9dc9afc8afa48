/**
 * The `toy` domain pair: tests and first contact without any dataset.
 *
 * Both domains draw the same geometry distribution — one disc or square, random centre and size — so a
 * refiner can map one to the other by appearance alone, as SimGAN assumes. Synthetic: flat dark background
 * (−0.6), bright crisp shape (+0.6). Real: brighter background (−0.1), dimmer shape (+0.4), a vertical
 * lighting gradient and pixel noise (σ 0.08). The measurable gap is the mean intensity (about −0.43 vs
 * −0.03) and the noise; the label to preserve is the shape's position.
 */
import { Rng } from '../util/random';
import { ArrayImageDataset } from './dataset';

export interface ToyOptions {
  height: number;
  width: number;
  count: number;
  seed: number;
}

export type ToyDomain = 'synthetic' | 'real';

/** Render `count` toy images of one domain; labels are [centreX, centreY, radius, isSquare] in pixels. */
export function renderToy(domain: ToyDomain, o: ToyOptions): ArrayImageDataset {
  const rng = new Rng(o.seed);
  const { height: h, width: w } = o;
  const pixels = new Float32Array(o.count * h * w);
  const labels: Float32Array[] = [];
  const [bg, fg] = domain === 'synthetic' ? [-0.6, 0.6] : [-0.1, 0.4];
  for (let n = 0; n < o.count; n++) {
    const r = 2 + rng.next() * (Math.min(h, w) / 4);
    const cx = r + rng.next() * (w - 2 * r);
    const cy = r + rng.next() * (h - 2 * r);
    const square = rng.next() < 0.5;
    labels.push(Float32Array.from([cx, cy, r, square ? 1 : 0]));
    const base = n * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
        const inside = square ? Math.max(Math.abs(dx), Math.abs(dy)) <= r : dx * dx + dy * dy <= r * r;
        let v = inside ? fg : bg;
        if (domain === 'real') v += 0.1 * (y / (h - 1) - 0.5) + 0.08 * rng.normal();
        pixels[base + y * w + x] = Math.max(-1, Math.min(1, v));
      }
    }
  }
  return new ArrayImageDataset(`toy-${domain}`, [h, w, 1], pixels, labels);
}
