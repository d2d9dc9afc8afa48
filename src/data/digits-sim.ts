/**
 * Synthetic handwriting-like digits with labels: the simulated domain of the default experiment.
 *
 * SimGAN assumes the simulator gets the *geometry* right and leaves the *appearance* to the refiner. Digits
 * rendered from printed fonts fail that assumption (a refiner can sharpen a pen look but cannot turn a
 * printed glyph into handwriting), so each digit here is drawn as pen strokes along a skeleton of a
 * handwritten form: control points in a unit box, jittered per sample, joined by Catmull–Rom splines (or
 * straight segments at corners), with per-sample slant, rotation, aspect, size and stroke width, and
 * variants handwriting has (sevens with or without a bar, open or closed fours, ones with or without a
 * flag and a base, nines with a straight or a curved tail, …).
 *
 * The appearance is deliberately plain: a uniform pen (flat ink, antialiased edge, no pressure, no blur,
 * no noise) — exactly the gap the refiner is meant to close. Placement follows MNIST's: the digit is
 * scaled so its box's longer side is ~20 px, then its ink centroid is put at the centre of the 28×28 image.
 * Ink is bright (+1) on dark (−1), like MNIST. Labels: [class].
 */
import { Rng } from '../util/random';
import { ArrayImageDataset } from './dataset';
import { u8ToUnit, unitToU8 } from './images';

type Pt = [number, number];

/** One pen stroke through control points (unit box, x right, y down); `smooth`: spline, else polyline. */
interface Stroke {
  points: Pt[];
  smooth: boolean;
  closed?: boolean;
}

/** The skeleton variants of each digit; one is picked per sample. */
const SKELETONS: Stroke[][][] = [
  // 0: an oval, sometimes leaning, sometimes with the end overshooting the start.
  [
    [{ points: [[0.5, 0.03], [0.2, 0.2], [0.15, 0.55], [0.3, 0.9], [0.55, 0.97], [0.8, 0.75], [0.85, 0.35], [0.7, 0.08]], smooth: true, closed: true }],
    [{ points: [[0.55, 0.05], [0.25, 0.15], [0.12, 0.55], [0.35, 0.95], [0.75, 0.85], [0.88, 0.4], [0.65, 0.05], [0.45, 0.1]], smooth: true }],
  ],
  // 1: a stem; with a flag; with a flag and a base.
  [
    [{ points: [[0.55, 0.03], [0.45, 0.97]], smooth: false }],
    [{ points: [[0.3, 0.22], [0.58, 0.03], [0.5, 0.97]], smooth: false }],
    [{ points: [[0.3, 0.22], [0.58, 0.03], [0.52, 0.95]], smooth: false }, { points: [[0.28, 0.96], [0.78, 0.96]], smooth: false }],
  ],
  // 2: an arc, a diagonal and a base; or with a small loop at the turn to the base.
  [
    [{ points: [[0.15, 0.28], [0.35, 0.05], [0.7, 0.08], [0.8, 0.32], [0.6, 0.58], [0.15, 0.95]], smooth: true }, { points: [[0.15, 0.95], [0.88, 0.93]], smooth: false }],
    [{ points: [[0.12, 0.25], [0.4, 0.03], [0.75, 0.12], [0.72, 0.42], [0.35, 0.78], [0.15, 0.95], [0.3, 0.82], [0.55, 0.9], [0.9, 0.95]], smooth: true }],
    [{ points: [[0.1, 0.3], [0.3, 0.06], [0.65, 0.04], [0.85, 0.25], [0.7, 0.52], [0.3, 0.8], [0.12, 0.93], [0.45, 0.95], [0.92, 0.9]], smooth: true }],
  ],
  // 3: two bumps; or a flat-topped three.
  [
    [{ points: [[0.15, 0.15], [0.5, 0.03], [0.8, 0.2], [0.72, 0.4], [0.42, 0.48], [0.78, 0.58], [0.82, 0.82], [0.5, 0.97], [0.12, 0.85]], smooth: true }],
    [
      { points: [[0.18, 0.05], [0.82, 0.05], [0.45, 0.42]], smooth: false },
      { points: [[0.45, 0.42], [0.8, 0.55], [0.8, 0.85], [0.48, 0.97], [0.15, 0.85]], smooth: true },
    ],
  ],
  // 4: closed (diagonal) or open (vertical left stroke).
  [
    [{ points: [[0.62, 0.03], [0.12, 0.66], [0.9, 0.66]], smooth: false }, { points: [[0.66, 0.3], [0.64, 0.97]], smooth: false }],
    [{ points: [[0.2, 0.03], [0.16, 0.6], [0.88, 0.58]], smooth: false }, { points: [[0.7, 0.08], [0.68, 0.97]], smooth: false }],
  ],
  // 5: a top bar, a short stem, a belly.
  [
    [
      { points: [[0.85, 0.05], [0.25, 0.06], [0.2, 0.45]], smooth: false },
      { points: [[0.2, 0.45], [0.5, 0.37], [0.8, 0.55], [0.78, 0.85], [0.45, 0.97], [0.12, 0.85]], smooth: true },
    ],
    [{ points: [[0.25, 0.06], [0.2, 0.45], [0.5, 0.37], [0.82, 0.6], [0.72, 0.9], [0.4, 0.97], [0.15, 0.85]], smooth: true }, { points: [[0.25, 0.06], [0.85, 0.04]], smooth: false }],
  ],
  // 6: a sweeping stem into a bottom loop.
  [
    [{ points: [[0.72, 0.03], [0.4, 0.25], [0.2, 0.6], [0.3, 0.92], [0.62, 0.95], [0.78, 0.7], [0.55, 0.5], [0.28, 0.6], [0.2, 0.72]], smooth: true }],
    [{ points: [[0.6, 0.03], [0.3, 0.35], [0.18, 0.72], [0.45, 0.97], [0.78, 0.8], [0.62, 0.55], [0.3, 0.62]], smooth: true }],
  ],
  // 7: a bar and a stem; with a crossbar; with a curved stem.
  [
    [{ points: [[0.12, 0.08], [0.88, 0.06], [0.42, 0.97]], smooth: false }],
    [{ points: [[0.12, 0.08], [0.88, 0.06], [0.42, 0.97]], smooth: false }, { points: [[0.35, 0.5], [0.8, 0.48]], smooth: false }],
    [{ points: [[0.15, 0.12], [0.5, 0.05], [0.88, 0.06]], smooth: true }, { points: [[0.88, 0.06], [0.6, 0.45], [0.48, 0.97]], smooth: true }],
  ],
  // 8: a figure eight in one stroke; or two stacked loops.
  [
    [{ points: [[0.5, 0.48], [0.78, 0.25], [0.5, 0.03], [0.22, 0.22], [0.5, 0.48], [0.82, 0.75], [0.5, 0.97], [0.18, 0.75], [0.5, 0.48]], smooth: true }],
    [
      { points: [[0.5, 0.03], [0.25, 0.2], [0.5, 0.45], [0.75, 0.2]], smooth: true, closed: true },
      { points: [[0.5, 0.45], [0.2, 0.72], [0.5, 0.97], [0.8, 0.72]], smooth: true, closed: true },
    ],
  ],
  // 9: a top loop with a straight or a curved tail.
  [
    [{ points: [[0.78, 0.28], [0.5, 0.03], [0.22, 0.22], [0.35, 0.48], [0.78, 0.32]], smooth: true }, { points: [[0.78, 0.2], [0.72, 0.97]], smooth: false }],
    [{ points: [[0.78, 0.3], [0.5, 0.03], [0.2, 0.25], [0.4, 0.5], [0.8, 0.3], [0.7, 0.7], [0.45, 0.97]], smooth: true }],
  ],
];

export const DIGIT_SIZE = 28;

/** Per-sample variation; all ranges are uniform unless noted. */
export interface DigitStyle {
  variant: number;
  /** Control-point jitter, std in unit-box coordinates. */
  jitter: number;
  /** Shear: x += slant·(0.5 − y); ±0.35 spans left- to right-leaning hands. */
  slant: number;
  /** Rotation in radians (±0.15). */
  rotation: number;
  /** Width/height factor of the glyph before fitting (0.65–1.1). */
  aspect: number;
  /** Longer side of the fitted glyph box in pixels (17–21; MNIST normalises to 20). */
  boxPx: number;
  /** Pen width in pixels (1.6–3.6). */
  penPx: number;
  /** A smooth warp of the whole glyph (unit-box units): amplitude, spatial frequencies and phases. */
  warp: { amp: number; fx: number; fy: number; px: number; py: number };
}

export function sampleDigitStyle(digit: number, rng: Rng): DigitStyle {
  return {
    variant: rng.int(0, SKELETONS[digit].length - 1),
    jitter: 0.05,
    slant: (rng.next() * 2 - 1) * 0.4,
    rotation: (rng.next() * 2 - 1) * 0.2,
    aspect: 0.55 + rng.next() * 0.6,
    boxPx: 17 + rng.next() * 4,
    penPx: 1.6 + rng.next() * 2,
    warp: { amp: rng.next() * 0.06, fx: 0.5 + rng.next(), fy: 0.5 + rng.next(), px: rng.next(), py: rng.next() },
  };
}

/** Catmull–Rom spline through `pts` (centripetal-free uniform form), `perSeg` samples per segment. */
function spline(pts: Pt[], closed: boolean, perSeg = 8): Pt[] {
  const n = pts.length;
  const at = (i: number): Pt => (closed ? pts[((i % n) + n) % n] : pts[Math.max(0, Math.min(n - 1, i))]);
  const segs = closed ? n : n - 1;
  const out: Pt[] = [];
  for (let s = 0; s < segs; s++) {
    const [p0, p1, p2, p3] = [at(s - 1), at(s), at(s + 1), at(s + 2)];
    for (let k = 0; k < perSeg; k++) {
      const t = k / perSeg, t2 = t * t, t3 = t2 * t;
      const c = (a: number, b: number, cc: number, d: number) => 0.5 * (2 * b + (-a + cc) * t + (2 * a - 5 * b + 4 * cc - d) * t2 + (-a + 3 * b - 3 * cc + d) * t3);
      out.push([c(p0[0], p1[0], p2[0], p3[0]), c(p0[1], p1[1], p2[1], p3[1])]);
    }
  }
  out.push(closed ? out[0] : pts[n - 1]);
  return out;
}

/** The digit's strokes as polylines in pixel coordinates, placed MNIST-style in a 28×28 image. */
export function digitPolylines(digit: number, style: DigitStyle, rng: Rng): Pt[][] {
  const skeleton = SKELETONS[digit][style.variant];
  const cos = Math.cos(style.rotation), sin = Math.sin(style.rotation);
  const lines = skeleton.map((stroke) => {
    const { amp, fx, fy, px, py } = style.warp;
    const pts = stroke.points.map(([x0, y0]): Pt => {
      // The warp moves nearby points together (a hand's drift); the jitter moves each point on its own.
      const x = x0 + amp * Math.sin(2 * Math.PI * (fy * y0 + py));
      const y = y0 + amp * Math.sin(2 * Math.PI * (fx * x0 + px));
      const jx = x + style.jitter * rng.normal(), jy = y + style.jitter * rng.normal();
      const sx = (jx - 0.5) * style.aspect + style.slant * (0.5 - jy);
      const sy = jy - 0.5;
      return [sx * cos - sy * sin, sx * sin + sy * cos];
    });
    return stroke.smooth ? spline(pts, Boolean(stroke.closed)) : stroke.closed ? [...pts, pts[0]] : pts;
  });
  // Fit the glyph's box to boxPx on its longer side.
  const all = lines.flat();
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const w = Math.max(...xs) - Math.min(...xs), h = Math.max(...ys) - Math.min(...ys);
  const k = style.boxPx / Math.max(w, h, 1e-6);
  // Ink centroid ≈ arc-length-weighted centroid of the strokes: put it at the image centre.
  let cx = 0, cy = 0, len = 0;
  for (const line of lines) {
    for (let i = 1; i < line.length; i++) {
      const l = Math.hypot(line[i][0] - line[i - 1][0], line[i][1] - line[i - 1][1]);
      cx += l * (line[i][0] + line[i - 1][0]) / 2;
      cy += l * (line[i][1] + line[i - 1][1]) / 2;
      len += l;
    }
  }
  if (len > 0) { cx /= len; cy /= len; }
  const c = DIGIT_SIZE / 2;
  return lines.map((line) => line.map(([x, y]): Pt => [c + (x - cx) * k, c + (y - cy) * k]));
}

/** Rasterise polylines with a uniform round pen: coverage from the distance to the nearest segment. */
export function rasterize(lines: Pt[][], penPx: number, size = DIGIT_SIZE): Float32Array {
  const ink = new Float32Array(size * size);
  const r = penPx / 2;
  for (const line of lines) {
    for (let i = 1; i < line.length; i++) {
      const [ax, ay] = line[i - 1], [bx, by] = line[i];
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1)), x1 = Math.min(size - 1, Math.ceil(Math.max(ax, bx) + r + 1));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r - 1)), y1 = Math.min(size - 1, Math.ceil(Math.max(ay, by) + r + 1));
      const dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const px = x + 0.5, py = y + 0.5;
          const t = l2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2)) : 0;
          const d = Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
          // One pixel of linear falloff across the pen's edge: antialiased, otherwise flat ink.
          const cov = Math.max(0, Math.min(1, r - d + 0.5));
          const o = y * size + x;
          if (cov > ink[o]) ink[o] = cov;
        }
      }
    }
  }
  for (let i = 0; i < ink.length; i++) ink[i] = ink[i] * 2 - 1;
  return ink;
}

export interface DigitSimOptions {
  count: number;
  seed: number;
  /** Which digits, uniformly (default 0–9). */
  classes?: number[];
}

/** Render `count` digits (classes uniform at random), quantised to 8 bits like every cached dataset. */
export function renderDigits(o: DigitSimOptions): ArrayImageDataset {
  const rng = new Rng(o.seed);
  const classes = o.classes ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const per = DIGIT_SIZE * DIGIT_SIZE;
  const pixels = new Float32Array(o.count * per);
  const labels: Float32Array[] = [];
  for (let n = 0; n < o.count; n++) {
    const digit = rng.pick(classes);
    const style = sampleDigitStyle(digit, rng);
    pixels.set(u8ToUnit(unitToU8(rasterize(digitPolylines(digit, style, rng), style.penPx))), n * per);
    labels.push(Float32Array.of(digit));
  }
  return new ArrayImageDataset('digits-sim', [DIGIT_SIZE, DIGIT_SIZE, 1], pixels, labels, ['class']);
}
