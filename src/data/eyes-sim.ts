/**
 * `eyes-sim`: a seeded procedural renderer of grayscale eye images with an exact gaze label — the
 * library's stand-in for UnityEyes (the synthetic domain of SimGAN's gaze experiments), which cannot be
 * downloaded here.
 *
 * ## Label convention (MPIIGaze's normalized camera coordinates)
 * The gaze is a unit 3-D vector g = (x, y, z) in camera coordinates: x points right in the image, y down in
 * the image, z away from the camera. An eye looking straight into the camera has g = (0, 0, −1).
 * Angles (radians): pitch = asin(−y), yaw = atan2(−x, −z); conversely g = (−cos p·sin y, −sin p, −cos p·cos y)
 * (`gazeVector`). In the image:
 *  - positive yaw   → x < 0 → the iris moves LEFT  (towards column 0);
 *  - positive pitch → y < 0 → the iris moves UP    (towards row 0).
 * Labels per image are [x, y, z, yaw, pitch] (`EYE_LABEL_NAMES`).
 *
 * ## Geometry (why the label stays true)
 * The eyeball is a sphere of radius R seen orthographically (a 25 mm eye half a metre from the camera
 * shows no useful perspective). A pixel inside the sphere's silhouette is lifted onto the front of the
 * sphere, giving its surface normal P; it belongs to the iris iff the angle between P and g is below the
 * limbus angle α (sin α = iris radius / R), to the pupil iff it is below β (sin β = pupil fraction · sin α).
 * So the iris is the spherical cap around g: its centre projects to R·cos α·(x, y) from the eyeball's
 * centre, and it foreshortens into an ellipse (minor/major axis ≈ |z|) exactly as a real limbus does.
 * Edges are antialiased analytically (signed distance / gradient length), so one sample per pixel
 * suffices. Ignored on purpose: corneal refraction (it magnifies the pupil a little but does not move it).
 * The corneal glint is the mirror reflection of the light on a corneal sphere (radius 0.65 R, centre
 * 0.45 R in front of the eyeball's centre along g), hidden where the lids cover it.
 *
 * The lids, skin, lashes, crease and brow belong to the head, which is rolled about the eye centre while
 * the eyeball stays in camera coordinates — the same sphere seen from a rolled head, so roll never changes
 * the label. The upper lid follows the iris vertically (it rises when looking up and drops when looking
 * down, as in real eyes and UnityEyes); the lower lid follows a little. Lids may occlude the iris.
 *
 * ## What varies (uniform unless noted; lengths in units of the canonical 55×35 frame = pixels at 55×35)
 * - gaze: yaw ±30°, pitch ±20° (the spread of UnityEyes' default gaze range; real MPIIGaze gaze is narrower,
 *   so the synthetic set covers it). Override with `GazeRanges`.
 * - eyeball: iris radius 7.5…10 (real 55×35 crops show irises ≈ 15–19 px across), eyeball radius =
 *   iris radius / sin α with sin α 0.46…0.53 (≈ 5.9 mm / 12 mm in people), so R ≈ 14…22; its centre
 *   0.5…3 above the corner line and ±1 sideways; pupil 0.25…0.55 of the iris.
 * - lids: corner-to-corner half-width 21…27 (the eye fills most of the crop, as in MPIIGaze), the upper lid
 *   covering the iris top by −1…3.5 and the lower one its bottom by −1.5…2 at straight gaze, arch peaks
 *   skewed medially (upper) / laterally (lower), arch squareness, canthal tilt −3…+8° (outer corner
 *   higher), inner corner (caruncle) on the left or the right (50 %), corner midpoint jitter ±1.5.
 * - albedos: skin 0.40…0.85, sclera 0.85…1.25 × skin, iris 0.06…0.45 skewed dark (brown … light, never
 *   above 0.6 × sclera), pupil 0.15…0.6 × iris, a dark limbal ring, radial iris texture.
 * - skin detail: coarse blotches and fine pores, lid crease 3…7 above the margin, a socket shadow above it,
 *   shading along the lid margins, an under-eye fold, upper lashes 1…2.8 wide (thicker laterally, trailing
 *   past the outer corner), lighter lower lashes, an eyebrow edge at the top in 45 % of images.
 * - light: head roll ±8°; light elevation 0…60° from the camera axis at any azimuth, shading the sphere and
 *   the skin; ambient share 0.35…0.75; glint strength 0.15…0.7 (absent in 15 %), radius 0.35…0.8.
 * - camera: Gaussian blur σ 0.35…1.2 px, exposure 0.7…1.3 and gamma 0.75…1.3, then the crops' contrast
 *   normalisation — a partial percentile stretch (0.5…1) and a partial histogram equalization (0…0.8; the
 *   MPIIGaze crops are equalized, so they span the whole 0…255 range) — and pixel noise σ 0.5…3 %.
 *
 * Rendering is plain JS, direct rasterisation at one sample per pixel: 10,000 images at 55×35 take about
 * 5–10 s on a 2-core machine (≈ 1,000–1,800 images/s, depending on load).
 * Any output size works: the canonical 55×35 frame is stretched to it, as real crops are resized with
 * `fit: 'fill'`. Every random draw comes from the given `Rng`, so a seed fixes every pixel.
 */
import { Rng } from '../util/random';
import { ArrayImageDataset } from './dataset';
import { u8ToUnit, unitToU8 } from './images';

/** The frame all lengths in `EyeParams` are measured in (the paper's SimGAN eye size). */
export const CANONICAL_WIDTH = 55;
export const CANONICAL_HEIGHT = 35;

export const EYE_LABEL_NAMES = ['x', 'y', 'z', 'yaw', 'pitch'];

const DEG = Math.PI / 180;

/**
 * Every sampled parameter of one eye image. Lengths are in canonical units (pixels of the 55×35 frame),
 * angles in radians, albedos/levels in linear intensity 0 (black) … 1 (white).
 */
export interface EyeParams {
  /** Gaze yaw (radians); positive moves the iris left in the image. */
  yaw: number;
  /** Gaze pitch (radians); positive moves the iris up in the image. */
  pitch: number;

  /** Midpoint between the eye corners (canonical units; the crop is centred on it). */
  eyeX: number;
  eyeY: number;
  /** Eyeball centre relative to the corner midpoint (canonical units, head frame before roll). */
  ballDx: number;
  ballDy: number;
  /** Head roll about the corner midpoint (radians, positive = clockwise in the image). */
  roll: number;
  /** Whether the inner corner (caruncle, tear duct) is on the left of the image. */
  innerLeft: boolean;

  /** Eyeball radius (canonical units). */
  ballRadius: number;
  /** Iris (limbus) radius (canonical units); < ballRadius. */
  irisRadius: number;
  /** Pupil radius as a fraction of the iris radius. */
  pupilFraction: number;

  /** Half the corner-to-corner distance (canonical units). */
  halfWidth: number;
  /** Outer corner raised above the inner one (radians). */
  canthalTilt: number;
  /** Upper lid's height above the corner line at its peak, for straight gaze (canonical units). */
  upperLid: number;
  /** Lower lid's depth below the corner line at its lowest point, for straight gaze (canonical units). */
  lowerLid: number;
  /** Where the upper / lower lid peak lies, as a fraction of the width from the inner corner. */
  upperPeak: number;
  lowerPeak: number;
  /** Arch exponents: < 1 gives boxier lids (steep near the corners), > 1 almond-shaped ones. */
  upperSquareness: number;
  lowerSquareness: number;
  /** How far the upper lid follows the iris's vertical movement (0 = not at all, 1 = fully). */
  lidFollow: number;

  /** Albedos (linear intensity 0…1). */
  skin: number;
  sclera: number;
  iris: number;
  pupil: number;
  /** Darkening at the iris rim, 0…1. */
  limbalRing: number;
  /** Contrast of the iris's radial texture, 0…1. */
  irisTexture: number;

  /** Skin texture contrast (coarse blotches, fine pores), as relative albedo variation. */
  skinBlotches: number;
  skinPores: number;
  /** Lid crease height above the upper lid margin (canonical units) and its darkness 0…1. */
  creaseHeight: number;
  creaseDepth: number;
  /** Shadow of the orbit above the crease, darkness 0…1. */
  socketShadow: number;
  /** Darkening of the skin right next to the lid margins (lid thickness, lashes' shade), 0…1. */
  marginShadow: number;
  /** Under-eye fold: distance below the lower lid (canonical units) and darkness 0…1. */
  underFold: number;
  underFoldDepth: number;
  /** Upper lash line width (canonical units) and darkness 0…1; lower lashes are relative to these. */
  lashWidth: number;
  lashDarkness: number;
  lowerLash: number;
  /** Shadow the upper lid casts on the eyeball, darkness 0…1, and its reach (canonical units). */
  lidShadow: number;
  lidShadowReach: number;
  /** Eyebrow: darkness 0…1 (0 = none in the crop) and its lower edge's distance above the corner line. */
  brow: number;
  browHeight: number;

  /** Light direction: elevation from the camera axis and azimuth in the image plane (radians). */
  lightElevation: number;
  lightAzimuth: number;
  /** Ambient share of the lighting, 0…1 (1 = flat). */
  ambient: number;
  /** Strength of the linear shading gradient across the skin, relative. */
  skinGradient: number;
  /** Corneal glint peak (added intensity, 0 = none) and radius (canonical units). */
  glint: number;
  glintRadius: number;

  /** Gaussian blur σ (output pixels). */
  blur: number;
  /** Exposure gain and gamma applied to linear intensity. */
  exposure: number;
  gamma: number;
  /** Contrast stretch towards the image's own 1st…99th percentile range, 0 = none, 1 = full range. */
  stretch: number;
  /** Blend towards the image's histogram equalization, 0 = none, 1 = fully equalized. */
  equalize: number;
  /** Pixel noise σ (fraction of the full 0…1 range). */
  noise: number;
}

/** Gaze sampling ranges (radians, symmetric about the centre). */
export interface GazeRanges {
  yaw: number;
  pitch: number;
  /** Centre of the pitch range (radians; 0 by default). */
  pitchCentre?: number;
}

/** ±30° yaw, ±20° pitch: the spread of UnityEyes' default gaze range. */
export const DEFAULT_GAZE_RANGES: GazeRanges = { yaw: 30 * DEG, pitch: 20 * DEG };

/**
 * How the eye sits in the crop and what the camera did: the parts of the look that differ between real
 * datasets. `scale` multiplies every length of the eye and lids (iris, eyeball, corner-to-corner width, lid
 * openings, crease, lashes, brow distance) about the corner midpoint, whose height is `eyeY` (canonical
 * units). `equalize` is the range of the partial histogram equalization (MPIIGaze's crops are equalized,
 * camera photos are not).
 */
export interface EyeFraming {
  scale: number;
  eyeY: number;
  equalize: [number, number];
}

/** MPIIGaze's normalised crops: the eye fills ~85% of the width, corners 5–10% in from the edges. */
export const MPIIGAZE_FRAMING: EyeFraming = { scale: 1, eyeY: CANONICAL_HEIGHT / 2, equalize: [0, 0.8] };

/**
 * The Columbia Gaze crops (a square of 1.5 × the eye's landmark box, rows 12–52 of 64 kept; see
 * data/columbia-gaze.ts), matched on the real training people's images (never the test people's): of the
 * scales 0.88…1.2 and corner-line heights 17…20.5 tried, scale 1 with the corner line at 19.5 (lower than
 * MPIIGaze's 17.5) gave the mean synthetic image closest to the mean real one (correlation 0.898, against
 * 0.843 for the 0.88 / 17 first chosen by eye; column and row darkness profiles 0.95 and 0.97). The photos
 * are not histogram-equalized, so equalization stays weak.
 */
export const COLUMBIA_FRAMING: EyeFraming = { scale: 1, eyeY: 19.5, equalize: [0, 0.3] };

/** Columbia's gaze targets span ±15° horizontally and ±10° vertically; sampled a little wider. */
export const COLUMBIA_GAZE_RANGES: GazeRanges = { yaw: 20 * DEG, pitch: 15 * DEG };

export interface EyeSimOptions {
  count: number;
  seed: number;
  /** Framing and camera (default `MPIIGAZE_FRAMING`). */
  framing?: EyeFraming;
  /** Output width in pixels (default 55, the paper's; MPIIGaze uses 60). */
  width?: number;
  /** Output height in pixels (default 35; MPIIGaze uses 36). */
  height?: number;
  /** Gaze ranges (default `DEFAULT_GAZE_RANGES`). */
  gaze?: GazeRanges;
}

/** The unit gaze vector (x right, y down, z away from the camera) for yaw and pitch in radians. */
export function gazeVector(yaw: number, pitch: number): [number, number, number] {
  const cp = Math.cos(pitch);
  return [-cp * Math.sin(yaw), -Math.sin(pitch), -cp * Math.cos(yaw)];
}

/** Inverse of `gazeVector`: [yaw, pitch] in radians of a (unit) gaze vector. */
export function gazeAngles(g: readonly [number, number, number] | ArrayLike<number>): [number, number] {
  return [Math.atan2(-g[0], -g[2]), Math.asin(Math.max(-1, Math.min(1, -g[1])))];
}

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();

/** Draw one eye's parameters (see the module comment for the ranges and why). */
export function sampleEyeParams(rng: Rng, gaze: GazeRanges = DEFAULT_GAZE_RANGES, framing: EyeFraming = MPIIGAZE_FRAMING): EyeParams {
  const k = framing.scale;
  const yaw = uniform(rng, -gaze.yaw, gaze.yaw);
  const pitch = (gaze.pitchCentre ?? 0) + uniform(rng, -gaze.pitch, gaze.pitch);
  const irisRadius = k * uniform(rng, 7.5, 10);
  // sin α ≈ 0.49 for a 5.9 mm limbus on a 12 mm eyeball; the spread covers people and crop scales.
  const ballRadius = irisRadius / uniform(rng, 0.46, 0.53);
  const skin = uniform(rng, 0.4, 0.85);
  const sclera = Math.min(0.95, skin * uniform(rng, 0.85, 1.25));
  // Squaring skews towards dark irises (most MPIIGaze participants have brown eyes); an iris is always
  // clearly darker than its sclera.
  const iris = Math.min(0.6 * sclera, 0.06 + 0.39 * rng.next() ** 2);
  const lashDarkness = uniform(rng, 0.4, 0.95);
  const hasGlint = rng.next() < 0.85;
  const hasBrow = rng.next() < 0.45;
  // The lids are placed relative to the iris (straight gaze): the upper one covers its top by −1…3.5, the
  // lower one its bottom by −1.5…2, so the opening scales with the eye, as in real faces.
  const ballDy = -k * uniform(rng, 0.5, 3);
  const upperLid = Math.max(4 * k, irisRadius - ballDy - k * uniform(rng, -1, 3.5));
  const lowerLid = Math.max(3 * k, irisRadius + ballDy - k * uniform(rng, -1.5, 2));
  return {
    yaw,
    pitch,
    eyeX: CANONICAL_WIDTH / 2 + uniform(rng, -1.5, 1.5),
    eyeY: framing.eyeY + uniform(rng, -1, 2),
    ballDx: k * uniform(rng, -1, 1),
    ballDy,
    roll: uniform(rng, -8, 8) * DEG,
    innerLeft: rng.next() < 0.5,
    ballRadius,
    irisRadius,
    pupilFraction: uniform(rng, 0.25, 0.55),
    halfWidth: k * uniform(rng, 21, 27),
    canthalTilt: uniform(rng, -3, 8) * DEG,
    upperLid,
    lowerLid,
    upperPeak: uniform(rng, 0.4, 0.52),
    lowerPeak: uniform(rng, 0.5, 0.62),
    upperSquareness: uniform(rng, 0.7, 1.1),
    lowerSquareness: uniform(rng, 0.7, 1.2),
    lidFollow: uniform(rng, 0.3, 0.7),
    skin,
    sclera,
    iris,
    pupil: iris * uniform(rng, 0.15, 0.6),
    limbalRing: uniform(rng, 0.1, 0.5),
    irisTexture: uniform(rng, 0.05, 0.3),
    skinBlotches: uniform(rng, 0.02, 0.1),
    skinPores: uniform(rng, 0.01, 0.06),
    creaseHeight: k * uniform(rng, 3, 7),
    creaseDepth: uniform(rng, 0.05, 0.4),
    socketShadow: uniform(rng, 0.1, 0.5),
    marginShadow: uniform(rng, 0, 0.3),
    underFold: k * uniform(rng, 3.5, 7),
    underFoldDepth: uniform(rng, 0, 0.15),
    lashWidth: k * uniform(rng, 1, 2.8),
    lashDarkness,
    lowerLash: uniform(rng, 0.05, 0.3),
    lidShadow: uniform(rng, 0.1, 0.5),
    lidShadowReach: k * uniform(rng, 1, 3),
    brow: hasBrow ? uniform(rng, 0.2, 0.6) : 0,
    browHeight: k * uniform(rng, 13, 17),
    lightElevation: uniform(rng, 0, 60) * DEG,
    lightAzimuth: uniform(rng, 0, 2 * Math.PI),
    ambient: uniform(rng, 0.35, 0.75),
    skinGradient: uniform(rng, 0, 0.9),
    glint: hasGlint ? uniform(rng, 0.15, 0.7) : 0,
    glintRadius: k * uniform(rng, 0.35, 0.8),
    blur: uniform(rng, 0.35, 1.2),
    exposure: uniform(rng, 0.7, 1.3),
    gamma: uniform(rng, 0.75, 1.3),
    stretch: uniform(rng, 0.5, 1),
    equalize: uniform(rng, framing.equalize[0], framing.equalize[1]),
    noise: uniform(rng, 0.005, 0.03),
  };
}

/** Coverage of a shape by a pixel from its signed distance in pixels (negative inside): a 1-px ramp. */
function coverage(d: number): number {
  return d <= -0.5 ? 1 : d >= 0.5 ? 0 : 0.5 - d;
}

/**
 * Smooth random field: normal values on a lattice with cells cellX×cellY (canonical units), bilinearly
 * interpolated. Anisotropic cells give hair-like streaks.
 */
class ValueNoise {
  private readonly values: Float32Array;
  private readonly cols: number;

  constructor(rng: Rng, private readonly cellX: number, private readonly cellY: number) {
    this.cols = Math.ceil(CANONICAL_WIDTH / cellX) + 3;
    const rows = Math.ceil(CANONICAL_HEIGHT / cellY) + 3;
    this.values = new Float32Array(this.cols * rows);
    // Clamped so that rare large draws do not make white or black blobs.
    for (let i = 0; i < this.values.length; i++) this.values[i] = Math.max(-2, Math.min(2, rng.normal()));
  }

  at(x: number, y: number): number {
    // Offsets of one cell keep slightly out-of-frame lookups (from roll) inside the lattice.
    const fx = Math.max(0, x / this.cellX + 1), fy = Math.max(0, y / this.cellY + 1);
    const ix = Math.floor(fx), iy = Math.floor(fy);
    const tx = fx - ix, ty = fy - iy;
    const i = iy * this.cols + ix;
    const v = this.values;
    const top = v[i] + (v[i + 1] - v[i]) * tx;
    const bottom = v[i + this.cols] + (v[i + this.cols + 1] - v[i + this.cols]) * tx;
    return top + (bottom - top) * ty;
  }
}

/** How finely the lid curves are tabulated across the eye (samples corner to corner). */
const LID_SAMPLES = 128;

/** Per-image lid curves in the head frame (origin at the corner midpoint, x along the unrolled horizontal). */
interface LidTable {
  /** Upper / lower margin y, and 1/√(1+slope²) to turn vertical into perpendicular distance. */
  upper: Float32Array;
  upperNorm: Float32Array;
  lower: Float32Array;
  lowerNorm: Float32Array;
  /** Corner line y (with canthal tilt). */
  line: Float32Array;
  /** Arch profile 0…1 of the upper lid (for the crease, which follows it loosely). */
  archUpper: Float32Array;
}

/** sin(π·s)^γ with s = t^k, k chosen so the peak sits at `peak`: a skewed lid arch, 0 at both corners. */
function arch(t: number, peak: number, squareness: number): number {
  const k = Math.log(0.5) / Math.log(peak);
  return Math.sin(Math.PI * t ** k) ** squareness;
}

function buildLids(p: EyeParams, upperLid: number, lowerLid: number): LidTable {
  const n = LID_SAMPLES + 1;
  const t = { upper: new Float32Array(n), upperNorm: new Float32Array(n), lower: new Float32Array(n), lowerNorm: new Float32Array(n), line: new Float32Array(n), archUpper: new Float32Array(n) };
  // Outer corner higher: on the right when the inner corner is on the left.
  const slope = (p.innerLeft ? -1 : 1) * Math.tan(p.canthalTilt);
  const dx = (2 * p.halfWidth) / LID_SAMPLES;
  for (let i = 0; i < n; i++) {
    const u = i / LID_SAMPLES; // 0 at the left corner
    const fromInner = p.innerLeft ? u : 1 - u;
    const x = -p.halfWidth + i * dx;
    const line = slope * x;
    const au = arch(fromInner, p.upperPeak, p.upperSquareness);
    t.line[i] = line;
    t.archUpper[i] = au;
    t.upper[i] = line - upperLid * au;
    t.lower[i] = line + lowerLid * arch(fromInner, p.lowerPeak, p.lowerSquareness);
  }
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - 1), b = Math.min(n - 1, i + 1);
    const su = (t.upper[b] - t.upper[a]) / ((b - a) * dx), sl = (t.lower[b] - t.lower[a]) / ((b - a) * dx);
    t.upperNorm[i] = 1 / Math.sqrt(1 + su * su);
    t.lowerNorm[i] = 1 / Math.sqrt(1 + sl * sl);
  }
  return t;
}

/** Separable Gaussian blur in place (edges clamped). */
function gaussianBlur(img: Float32Array, w: number, h: number, sigma: number): void {
  if (sigma < 0.1) return;
  const r = Math.max(1, Math.ceil(2.5 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float32Array(img.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += k[i + r] * img[y * w + Math.min(w - 1, Math.max(0, x + i))];
      tmp[y * w + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += k[i + r] * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x];
      img[y * w + x] = acc;
    }
  }
}

const HIST_BINS = 1024;

/**
 * In place, for values in [0, 1]: blend towards the 1st…99th-percentile stretch of the image (weight
 * `stretch`), then towards its histogram equalization (weight `equalize`: each value replaced by the share
 * of pixels at or below it). A fine histogram rather than a sort keeps this linear in the pixel count.
 */
function normaliseContrast(img: Float32Array, stretch: number, equalize: number): void {
  const n = img.length;
  const bin = (v: number) => Math.min(HIST_BINS - 1, Math.max(0, Math.floor(v * HIST_BINS)));
  const cdf = new Float32Array(HIST_BINS);
  for (let i = 0; i < n; i++) cdf[bin(img[i])]++;
  let lo = -1, hi = -1;
  for (let k = 0, acc = 0; k < HIST_BINS; k++) {
    const before = acc;
    acc += cdf[k];
    // Centred within the bin so that a flat region maps to the middle of its share, not its top.
    cdf[k] = (before + acc) / (2 * n);
    if (lo < 0 && acc >= 0.01 * n) lo = k / HIST_BINS;
    if (hi < 0 && acc >= 0.99 * n) hi = (k + 1) / HIST_BINS;
  }
  const span = hi - lo;
  const a = span > 1e-3 ? 1 - stretch + stretch / span : 1;
  const b = span > 1e-3 ? (-stretch * lo) / span : 0;
  for (let i = 0; i < n; i++) img[i] = (1 - equalize) * (a * img[i] + b) + equalize * cdf[bin(img[i])];
}

/**
 * Render one eye: H×W row-major, values in [−1, 1] (not yet quantised; `renderEyes` quantises).
 * `rng` draws the textures and the pixel noise only, so the geometry is fixed by `p` alone.
 */
export function renderEye(p: EyeParams, width: number, height: number, rng: Rng): Float32Array {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`renderEye: size ${width}×${height} must be positive integers`);
  }
  const sx = CANONICAL_WIDTH / width, sy = CANONICAL_HEIGHT / height;
  // Antialiasing and blur work in output pixels; distances are computed in canonical units.
  const pixel = Math.sqrt(sx * sy);
  const g = gazeVector(p.yaw, p.pitch);
  const [gx, gy, gz] = g;

  // Head frame: rotation by −roll about the corner midpoint.
  const cr = Math.cos(p.roll), sr = Math.sin(p.roll);
  // Eyeball centre in the image (its offset is given in the head frame, so it rolls with the head).
  const ballX = p.eyeX + cr * p.ballDx - sr * p.ballDy;
  const ballY = p.eyeY + sr * p.ballDx + cr * p.ballDy;
  const R = p.ballRadius;
  const sinA = Math.min(0.95, p.irisRadius / R);
  const cosA = Math.sqrt(1 - sinA * sinA);
  const sinB = p.pupilFraction * sinA;
  const cosB = Math.sqrt(1 - sinB * sinB);

  // The upper lid follows the iris's vertical position in the head frame; the lower one a third as much.
  const irisUpHead = (sr * gx - cr * gy) * R * cosA; // iris displacement upwards, in the head frame
  const upperLid = Math.max(3.5, p.upperLid + p.lidFollow * irisUpHead);
  const lowerLid = Math.max(2.5, p.lowerLid - 0.3 * p.lidFollow * irisUpHead);
  const lids = buildLids(p, upperLid, lowerLid);

  // Light: L points towards the light; elevation 0 = from the camera (−z).
  const se = Math.sin(p.lightElevation);
  const L = [se * Math.cos(p.lightAzimuth), se * Math.sin(p.lightAzimuth), -Math.cos(p.lightElevation)];
  const amb = p.ambient;

  // Iris texture basis: two unit vectors orthogonal to g.
  let b1x = -gz, b1z = gx;
  const bn = Math.hypot(b1x, b1z) || 1;
  b1x /= bn; b1z /= bn;
  const b2x = gy * b1z, b2y = gz * b1x - gx * b1z, b2z = -gy * b1x; // g × b1
  const irisSpokes = new Float32Array(64);
  for (let i = 0; i < 64; i++) irisSpokes[i] = rng.normal();

  // Corneal glint: mirror point of the light on the corneal sphere, seen from the camera (0, 0, −1).
  let hx = L[0], hy = L[1], hz = L[2] - 1;
  const hn = Math.hypot(hx, hy, hz);
  hx /= hn; hy /= hn; hz /= hn;
  const onCornea = hx * gx + hy * gy + hz * gz > Math.cos(45 * DEG);
  const glintX = ballX + 0.45 * R * gx + 0.65 * R * hx;
  const glintY = ballY + 0.45 * R * gy + 0.65 * R * hy;
  const glint = onCornea ? p.glint : 0;
  const glintInvVar = 1 / (2 * p.glintRadius * p.glintRadius);

  const blotches = new ValueNoise(rng, 7, 6);
  const pores = new ValueNoise(rng, 1.3, 1.3);
  const hair = new ValueNoise(rng, 3.5, 0.9);

  // Skin shading gradient along the light's image direction (lit side brighter).
  const gradX = p.skinGradient * Math.cos(p.lightAzimuth) * se / 25;
  const gradY = p.skinGradient * Math.sin(p.lightAzimuth) * se / 25;
  const frontLight = amb + (1 - amb) * Math.cos(p.lightElevation);

  const hw = p.halfWidth;
  const lidStep = LID_SAMPLES / (2 * hw);
  const out = new Float32Array(width * height);

  for (let py = 0; py < height; py++) {
    const Y = (py + 0.5) * sy;
    for (let px = 0; px < width; px++) {
      const X = (px + 0.5) * sx;
      // Head-frame coordinates about the corner midpoint.
      const dx = X - p.eyeX, dy = Y - p.eyeY;
      const hxh = cr * dx + sr * dy;
      const hyh = -sr * dx + cr * dy;

      // Lid curves at this column (clamped to the corners; beyond them the aperture is closed).
      const fi = Math.min(LID_SAMPLES, Math.max(0, (hxh + hw) * lidStep));
      const i0 = Math.min(LID_SAMPLES - 1, Math.floor(fi)), ft = fi - i0;
      const lerp = (a: Float32Array) => a[i0] + (a[i0 + 1] - a[i0]) * ft;
      const yUp = lerp(lids.upper), yLo = lerp(lids.lower), yLine = lerp(lids.line), archU = lerp(lids.archUpper);
      const below = (hyh - yUp) * lerp(lids.upperNorm); // > 0 under the upper margin
      const above = (yLo - hyh) * lerp(lids.lowerNorm); // > 0 over the lower margin
      const outside = Math.max(0, Math.abs(hxh) - hw);
      const aperture = outside > 0 ? 0 : coverage(-below / pixel) * coverage(-above / pixel);

      // ---- skin ----
      let skin = p.skin * (1 + p.skinBlotches * blotches.at(X, Y) + p.skinPores * pores.at(X, Y));
      skin *= frontLight * (1 + gradX * dx + gradY * dy);
      // Crease: a soft dark line above the margin, following the lid's arch; the orbit's shadow above it.
      const yCrease = yUp - p.creaseHeight * (0.35 + 0.65 * archU);
      const dc = hyh - yCrease;
      const ends = Math.min(1, (hw + 3 - Math.abs(hxh)) / 6); // features fade out past the corners
      if (ends > 0) {
        skin *= 1 - ends * p.creaseDepth * Math.exp(-(dc * dc) / 2.5);
        if (dc < 0) skin *= 1 - ends * p.socketShadow * Math.exp(dc / 6);
        // The lid between margin and crease bulges over the eyeball and catches light.
        if (dc > 0 && below < 0) skin *= 1 + 0.04 * ends;
        const dOut = Math.max(-below, -above); // distance outside the aperture, near a lid
        if (dOut > 0) skin *= 1 - ends * p.marginShadow * Math.exp(-dOut / 2);
        const df = hyh - (yLo + p.underFold);
        skin *= 1 - ends * p.underFoldDepth * Math.exp(-(df * df) / 3);
      }
      if (p.brow > 0) {
        const db = hyh - (yLine - p.browHeight);
        if (db < 2) skin *= 1 - p.brow * Math.min(1, (2 - db) / 3) * (0.75 + 0.5 * Math.max(-0.5, Math.min(0.5, hair.at(X, Y))));
      }

      let v = skin;
      if (aperture > 0) {
        // ---- eyeball, in camera coordinates ----
        let ex = X - ballX, ey = Y - ballY;
        let q = (ex * ex + ey * ey) / (R * R);
        if (q > 0.995) {
          // Beyond the silhouette (the lid corners reach past it): use the rim, seen at grazing angle.
          const f = Math.sqrt(0.995 / q);
          ex *= f; ey *= f; q = 0.995;
        }
        const s = Math.sqrt(1 - q);
        const Px = ex / R, Py = ey / R, Pz = -s;
        const cosT = Px * gx + Py * gy + Pz * gz;
        // |∇ cos θ| in canonical units, for the iris/pupil edges' signed distance.
        // The linearisation only matters near the limbus, which stays where s > 0.3 for gaze within ±60°;
        // capping 1/s stops it from smearing a thin iris-coloured ring along the silhouette.
        const sg = Math.max(s, 0.25);
        const dgx = gx / R + (gz * ex) / (R * R * sg), dgy = gy / R + (gz * ey) / (R * R * sg);
        const gradLen = Math.hypot(dgx, dgy) * pixel + 1e-6;
        const irisCov = coverage((cosA - cosT) / gradLen);
        const diffuse = Math.max(0, Px * L[0] + Py * L[1] + Pz * L[2]);
        const shade = amb + (1 - amb) * diffuse;
        let e = p.sclera * shade;
        if (irisCov > 0) {
          const sinT = Math.sqrt(Math.max(0, 1 - cosT * cosT));
          const rho = Math.min(1, sinT / sinA);
          const phi = Math.atan2(Px * b2x + Py * b2y + Pz * b2z, Px * b1x + Pz * b1z);
          const fs = ((phi / (2 * Math.PI) + 1) * 64) % 64;
          const j = Math.floor(fs), jt = fs - j;
          const spoke = irisSpokes[j] + (irisSpokes[(j + 1) & 63] - irisSpokes[j]) * jt;
          let iv = p.iris * (1 + p.irisTexture * spoke * rho) * (1 - p.limbalRing * Math.max(0, (rho - 0.7) / 0.3));
          const pupilCov = coverage((cosB - cosT) / gradLen);
          iv = iv + (p.pupil - iv) * pupilCov;
          // The iris sits under the cornea: lit mostly like the front of the eye, not its grazing rim.
          e = e + (iv * (0.5 + 0.5 * shade) - e) * irisCov;
        }
        // Caruncle: the inner corner is pinkish flesh, darker than the sclera in gray.
        const dInner = p.innerLeft ? hxh + hw : hw - hxh;
        e += (p.skin * 0.75 - e) * Math.exp(-dInner / 2.2);
        // The upper lid and lashes shade the top of the eyeball; both lids occlude ambient light near them.
        e *= 1 - p.lidShadow * Math.exp(-Math.max(0, below) / p.lidShadowReach);
        e *= 1 - 0.3 * Math.exp(-Math.max(0, Math.min(below, above)) / 1.5);
        e += glint * Math.exp(-((X - glintX) ** 2 + (Y - glintY) ** 2) * glintInvVar);
        v = skin + (e - skin) * aperture;
      }

      // Lashes: a dark band along the upper margin, thicker towards the outer corner, trailing a little
      // past it; a lighter thin line on the lower margin.
      const fromOuter = p.innerLeft ? hw - hxh : hxh + hw;
      const lashW = p.lashWidth * (0.7 + 0.6 * Math.max(0, 1 - fromOuter / (2 * hw)));
      const alongLash = Math.min(1, Math.max(0, (hw + 1.5 - Math.abs(hxh)) / 3));
      const dUp = -below; // > 0 above the upper margin
      if (alongLash > 0 && dUp > -0.8 && dUp < lashW + 1) {
        const band = Math.min(coverage((-dUp - 0.4) / pixel), coverage((dUp - lashW) / pixel));
        v *= 1 - p.lashDarkness * band * alongLash * (0.8 + 0.2 * pores.at(X * 1.7, Y));
      }
      const dLo = -above; // > 0 below the lower margin
      if (alongLash > 0 && dLo > -0.5 && dLo < 1.6) {
        v *= 1 - p.lashDarkness * p.lowerLash * alongLash * Math.exp(-((dLo - 0.5) ** 2) / 0.4);
      }
      out[py * width + px] = v;
    }
  }

  gaussianBlur(out, width, height, p.blur / pixel);

  // Camera: exposure and gamma, then the dataset's own contrast normalisation (a partial percentile
  // stretch and a partial histogram equalization, as MPIIGaze's crops are equalized), then sensor noise.
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, p.exposure * out[i])) ** p.gamma;
  if (p.stretch > 0 || p.equalize > 0) normaliseContrast(out, p.stretch, p.equalize);
  for (let i = 0; i < out.length; i++) {
    const n = p.noise > 0 ? p.noise * rng.normal() : 0;
    out[i] = Math.max(-1, Math.min(1, 2 * (out[i] + n) - 1));
  }
  return out;
}

/**
 * `count` eye images with labels [x, y, z, yaw, pitch] (see the module comment), quantised to 8 bits so
 * that a dataset reloaded from the uint8 cache equals the one rendered.
 */
export function renderEyes(o: EyeSimOptions): ArrayImageDataset {
  const width = o.width ?? CANONICAL_WIDTH, height = o.height ?? CANONICAL_HEIGHT;
  if (!(Number.isInteger(o.count) && o.count >= 0)) throw new Error(`renderEyes: count ${o.count} must be a non-negative integer`);
  const rng = new Rng(o.seed);
  const per = width * height;
  const pixels = new Float32Array(o.count * per);
  const labels: Float32Array[] = [];
  const u8 = new Uint8Array(per);
  for (let n = 0; n < o.count; n++) {
    const p = sampleEyeParams(rng, o.gaze, o.framing);
    const img = renderEye(p, width, height, rng);
    u8ToUnit(unitToU8(img, u8), pixels.subarray(n * per, (n + 1) * per));
    labels.push(Float32Array.from([...gazeVector(p.yaw, p.pitch), p.yaw, p.pitch]));
  }
  return new ArrayImageDataset('eyes-sim', [height, width, 1], pixels, labels, EYE_LABEL_NAMES);
}
