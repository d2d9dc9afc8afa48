/**
 * The typed SimGAN configuration, its presets, dotted-path overrides and validation.
 *
 * A run is fully described by a resolved `SimGANConfig` (saved as `config.json` in its run directory):
 * the same config, seed and data give the same weights.
 */
import { UserError } from './util/user-error';

/** One discriminator layer. Convolutions are followed by ReLU except the last (the 2-logit head). */
export type DiscriminatorLayer =
  | { type: 'conv'; filters: number; kernel: number; stride: number }
  | { type: 'maxpool'; size: number; stride: number };

export type OptimizerSpec = {
  /** `sgd`: plain gradient descent (the paper); `adam`: Adam with `beta1` (β2 = 0.999). */
  type: 'sgd' | 'adam';
  lr: number;
  /** Adam's β1 (ignored by sgd). */
  beta1: number;
};

export interface SimGANConfig {
  /** The preset this config started from (informational). */
  preset: string;
  /** Seeds weights, data sampling and the history buffer. */
  seed: number;
  /**
   * Dataset names for the two domains (see `data/registry.ts`). `realHoldout`: the fraction of the real
   * domain kept away from training (a fixed seeded split), so the realism test can use real images the
   * refiner and discriminator never saw. `test` (optional, '' = none): a labelled source of other PEOPLE
   * than `real` (e.g. `columbia-gaze-test`) that only evaluation reads: with it, the downstream tests and
   * the realism test use it instead of the real domain's held-out images, so nothing is tested on a person
   * the refiner, the discriminator or an estimator saw.
   */
  data: { synthetic: string; real: string; realHoldout: number; test?: string };
  /** Image size; all images are scaled to [-1, 1]. */
  image: { height: number; width: number; channels: number };
  /** Refiner: conv k×k `filters` → `blocks` ResNet blocks (two conv k×k each) → conv 1×1 to `channels`, tanh. */
  refiner: { filters: number; blocks: number; kernel: number };
  /** Discriminator trunk; the head is conv 1×1 → 2 logits per patch (local) or dense → 2 logits (global). */
  discriminator: { layers: DiscriminatorLayer[] };
  /** `local`: per-patch cross-entropy over D's output map (the paper); `global`: one decision per image. */
  adversarial: 'local' | 'global';
  /**
   * How the local loss combines patches: `sum` (the paper) or `mean`. With `mean` the adversarial term is
   * P times smaller (P = patches per image), so `lambda` acts P times stronger: λ_mean = λ_sum / P gives the
   * same refiner update direction.
   */
  reduction: 'sum' | 'mean';
  /** Self-regularisation weight λ in L_R = L_adv + λ‖ψ(R(x)) − ψ(x)‖₁ (per image, averaged over the batch). */
  lambda: number;
  /** ψ: `identity`, `channel-mean` (mean over channels) or `downsample` (2×2 average pool). */
  psi: 'identity' | 'channel-mean' | 'downsample';
  /** History buffer of refined images (size B); `enabled: false` trains D on the latest refined images only. */
  history: { enabled: boolean; size: number };
  /** Mini-batch size b (synthetic and real alike; half of D's refined batch comes from history). */
  batchSize: number;
  optimizer: { refiner: OptimizerSpec; discriminator: OptimizerSpec };
  schedule: {
    /** Refiner steps on self-regularisation alone, before any adversarial training. */
    refinerPretrainSteps: number;
    /** Discriminator steps on (refined, real) before adversarial training. */
    discriminatorPretrainSteps: number;
    /** Adversarial iterations (each: kG refiner steps then kD discriminator steps). */
    steps: number;
    kG: number;
    kD: number;
  };
  logging: {
    /** Write a sample grid every N iterations (0: only at the end). */
    sampleEvery: number;
    /** Images in each sample grid. */
    sampleCount: number;
    /** Write a checkpoint every N iterations (0: only at the end). */
    checkpointEvery: number;
    /** Checkpoints kept on disk (oldest deleted first). */
    keepCheckpoints: number;
    /** Iterations with D accuracy ≥ 0.99 on both domains before "D wins" is reported as collapse. */
    collapsePatience: number;
  };
}

const EYE_DISCRIMINATOR: DiscriminatorLayer[] = [
  { type: 'conv', filters: 96, kernel: 3, stride: 2 },
  { type: 'conv', filters: 64, kernel: 3, stride: 2 },
  { type: 'maxpool', size: 3, stride: 1 },
  { type: 'conv', filters: 32, kernel: 3, stride: 1 },
  { type: 'conv', filters: 32, kernel: 1, stride: 1 },
];

const HAND_DISCRIMINATOR: DiscriminatorLayer[] = [
  { type: 'conv', filters: 96, kernel: 7, stride: 4 },
  { type: 'conv', filters: 64, kernel: 5, stride: 2 },
  { type: 'maxpool', size: 3, stride: 2 },
  { type: 'conv', filters: 32, kernel: 3, stride: 2 },
  { type: 'conv', filters: 32, kernel: 1, stride: 1 },
];

const sgd = (lr: number): OptimizerSpec => ({ type: 'sgd', lr, beta1: 0.9 });
const adam = (lr: number, beta1: number): OptimizerSpec => ({ type: 'adam', lr, beta1 });

const LOGGING: SimGANConfig['logging'] = { sampleEvery: 100, sampleCount: 8, checkpointEvery: 100, keepCheckpoints: 2, collapsePatience: 200 };

/** The paper's eye experiment (Sec. 4.1), unchanged: GPU scale. */
const PAPER_EYES: SimGANConfig = {
  preset: 'paper-eyes',
  seed: 1,
  data: { synthetic: 'eyes-sim', real: 'mpiigaze-csv', realHoldout: 0.2, test: '' },
  image: { height: 35, width: 55, channels: 1 },
  refiner: { filters: 64, blocks: 4, kernel: 3 },
  discriminator: { layers: EYE_DISCRIMINATOR },
  adversarial: 'local',
  reduction: 'sum',
  // The paper gives no λ; this value is not tuned (no GPU here) and is what the λ sweep explores.
  lambda: 0.5,
  psi: 'identity',
  // B is not given in the paper: 100 mini-batches' worth of refined images.
  history: { enabled: true, size: 512 * 100 },
  batchSize: 512,
  optimizer: { refiner: sgd(0.001), discriminator: sgd(0.001) },
  // "for each update of D, we update R twice": K_d = 1, K_g = 2.
  schedule: { refinerPretrainSteps: 1000, discriminatorPretrainSteps: 200, steps: 10000, kG: 2, kD: 1 },
  logging: LOGGING,
};

/** The paper's hand-pose networks (Sec. 4.2): 224×224 depth, 7×7 filters, 10 ResNet blocks. */
const PAPER_HANDS: SimGANConfig = {
  ...PAPER_EYES,
  preset: 'paper-hands',
  data: { synthetic: 'nyu-hands-synthetic', real: 'nyu-hands-real', realHoldout: 0.2, test: '' },
  image: { height: 224, width: 224, channels: 1 },
  refiner: { filters: 64, blocks: 10, kernel: 7 },
  discriminator: { layers: HAND_DISCRIMINATOR },
  history: { enabled: true, size: 512 * 100 },
  schedule: { refinerPretrainSteps: 500, discriminatorPretrainSteps: 200, steps: 10000, kG: 2, kD: 1 },
};

/**
 * Eyes on 2 CPU cores: the paper's networks at full size (they are small), but batch 32 instead of 512 and a
 * buffer of 100 batches scaled accordingly, Adam instead of SGD (plain SGD at lr 0.001 needs the paper's
 * step count), fewer pretraining and adversarial steps.
 * Optimizer: R lr 1e-4 / D lr 1e-3 — PROVISIONAL. It is the setting a PyTorch reference run of the paper's
 * recipe on digits found stable (Adam lr 1e-3 for both collapsed there: the refiner saturated at −1 once D
 * won). On eyes it has been run through `columbia-eyes` (the same optimizer, narrower networks): 600
 * adversarial iterations there (seed 1 of the default budget) showed no collapse or warning: D was right on
 * 75–83% of patches on average over each stretch of iterations.
 */
const CPU_EYES: SimGANConfig = {
  ...PAPER_EYES,
  preset: 'cpu-eyes',
  history: { enabled: true, size: 32 * 100 },
  batchSize: 32,
  optimizer: { refiner: adam(1e-4, 0.9), discriminator: adam(1e-3, 0.9) },
  schedule: { refinerPretrainSteps: 200, discriminatorPretrainSteps: 50, steps: 1000, kG: 2, kD: 1 },
  logging: { ...LOGGING, sampleEvery: 100, checkpointEvery: 100 },
};

/**
 * The paper's eye experiment on real labelled eyes, sized for 2 CPU cores without AVX-512: synthetic eyes
 * rendered to the Columbia crops' framing and gaze range (`eyes-sim-columbia`), the real domain = the
 * Columbia train people (labels never read by SimGAN), tests on the Columbia test people only
 * (`data.test`; see data/columbia-gaze.ts for the person-wise split). No image of the real domain is held
 * out (`realHoldout` 0): the realism test uses the test people, whom no network trained on.
 * Networks narrowed for the CPU (docs/DESIGN.md, "The eye experiment"): refiner 32 maps × 3 ResNet blocks
 * (≈ 1/5 of the paper refiner's convolution work), the paper's eye discriminator at half width. Batch 16,
 * a buffer of 100 batches. Optimizer as `cpu-eyes`. λ: the self-regularisation weight per image, summed
 * over pixels as in `cpu-eyes`; what the λ sweep explores.
 */
const COLUMBIA_EYES: SimGANConfig = {
  ...CPU_EYES,
  preset: 'columbia-eyes',
  data: { synthetic: 'eyes-sim-columbia', real: 'columbia-gaze', realHoldout: 0, test: 'columbia-gaze-test' },
  refiner: { filters: 32, blocks: 3, kernel: 3 },
  discriminator: {
    layers: [
      { type: 'conv', filters: 48, kernel: 3, stride: 2 },
      { type: 'conv', filters: 32, kernel: 3, stride: 2 },
      { type: 'maxpool', size: 3, stride: 1 },
      { type: 'conv', filters: 32, kernel: 3, stride: 1 },
      { type: 'conv', filters: 32, kernel: 1, stride: 1 },
    ],
  },
  history: { enabled: true, size: 16 * 100 },
  batchSize: 16,
  schedule: { refinerPretrainSteps: 100, discriminatorPretrainSteps: 50, steps: 600, kG: 2, kD: 1 },
};

/**
 * Digits (28×28) on 2 CPU cores: refiner halved to 32 maps × 3 blocks, a two-stride discriminator for the
 * smaller image (28 → 14 → 7 patch map), batch 32. Optimizer as `cpu-eyes`; λ 0.05, the middle of the
 * default budget's λ sweep (docs/RESULTS.md: no λ there separated from raw synthetic).
 */
const CPU_DIGITS: SimGANConfig = {
  ...CPU_EYES,
  preset: 'cpu-digits',
  data: { synthetic: 'digits-sim', real: 'mnist', realHoldout: 0.2, test: '' },
  image: { height: 28, width: 28, channels: 1 },
  refiner: { filters: 32, blocks: 3, kernel: 3 },
  discriminator: {
    layers: [
      { type: 'conv', filters: 64, kernel: 3, stride: 2 },
      { type: 'conv', filters: 64, kernel: 3, stride: 2 },
      { type: 'conv', filters: 32, kernel: 3, stride: 1 },
      { type: 'conv', filters: 32, kernel: 1, stride: 1 },
    ],
  },
  lambda: 0.05,
  schedule: { refinerPretrainSteps: 100, discriminatorPretrainSteps: 50, steps: 1000, kG: 2, kD: 1 },
};

/**
 * A tiny domain pair built in (`data/toy.ts`) for tests and first contact: 16×16 shapes; the real domain
 * is brighter, lower-contrast and noisy. 230 steps take about 5 s on one core (wasm).
 * Optimizer: Adam lr 1e-3, β1 0.5 for both, chosen by runs of this preset (docs/DESIGN.md, "Choosing
 * presets"): every variant tried closed ≥ 94% of the mean-intensity gap to the real domain in 200 steps
 * while keeping the shapes (correlation with the input ≥ 0.85), and none collapsed.
 */
const TOY: SimGANConfig = {
  preset: 'toy',
  seed: 1,
  data: { synthetic: 'toy-synthetic', real: 'toy-real', realHoldout: 0.2, test: '' },
  image: { height: 16, width: 16, channels: 1 },
  refiner: { filters: 16, blocks: 2, kernel: 3 },
  discriminator: {
    layers: [
      { type: 'conv', filters: 16, kernel: 3, stride: 2 },
      { type: 'conv', filters: 16, kernel: 3, stride: 1 },
      { type: 'conv', filters: 16, kernel: 1, stride: 1 },
    ],
  },
  adversarial: 'local',
  reduction: 'sum',
  lambda: 0.05,
  psi: 'identity',
  history: { enabled: true, size: 512 },
  batchSize: 16,
  optimizer: { refiner: adam(1e-3, 0.5), discriminator: adam(1e-3, 0.5) },
  schedule: { refinerPretrainSteps: 20, discriminatorPretrainSteps: 10, steps: 200, kG: 1, kD: 1 },
  logging: { sampleEvery: 50, sampleCount: 8, checkpointEvery: 50, keepCheckpoints: 2, collapsePatience: 200 },
};

export const PRESETS: Readonly<Record<string, SimGANConfig>> = {
  'paper-eyes': PAPER_EYES,
  'paper-hands': PAPER_HANDS,
  'cpu-eyes': CPU_EYES,
  'columbia-eyes': COLUMBIA_EYES,
  'cpu-digits': CPU_DIGITS,
  toy: TOY,
};

export type PresetName = keyof typeof PRESETS;

/**
 * Presets that describe networks only: `simgan describe` and `simgan bench` run them, but their data is not
 * wired, so `train` stops before writing anything and says why.
 */
export const ARCHITECTURE_ONLY: Readonly<Record<string, string>> = {
  'paper-hands':
    "the paper's hand networks (224×224 depth, Sec. 4.2) for describe and bench; no hand training data is wired " +
    '(NYU hand depth crops load with the library function loadNyuHandCrops, but there is no synthetic hand source)',
};

/** Bad configuration input: the message names the field, the value and what is allowed. */
export class ConfigError extends UserError {}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

export function preset(name: string): SimGANConfig {
  const p = PRESETS[name];
  if (!p) throw new ConfigError(`unknown preset '${name}'; choose one of ${Object.keys(PRESETS).join(', ')}`);
  return clone(p);
}

/** Every dotted path of leaf values in a config (arrays count as leaves). */
export function configKeys(config: SimGANConfig): string[] {
  const out: string[] = [];
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, key);
      else out.push(key);
    }
  };
  walk(config as unknown as Record<string, unknown>, '');
  return out;
}

/** Levenshtein distance, for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Parse `value` as the type of `current` (number, boolean, string, or JSON for arrays). */
function parseValue(key: string, raw: string, current: unknown): unknown {
  if (typeof current === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${key}=${raw}: not a number`);
    return n;
  }
  if (typeof current === 'boolean') {
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw new ConfigError(`${key}=${raw}: expected true or false`);
  }
  if (Array.isArray(current)) {
    try {
      return JSON.parse(raw);
    } catch {
      throw new ConfigError(`${key}=${raw}: expected a JSON array`);
    }
  }
  return raw;
}

/** Apply `key=value` overrides (dotted paths) to a copy of `config`; unknown keys are errors. */
export function applyOverrides(config: SimGANConfig, overrides: string[]): SimGANConfig {
  const out = clone(config);
  const keys = configKeys(out);
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new ConfigError(`override '${o}' is not key=value (e.g. lambda=0.1, history.enabled=false)`);
    const key = o.slice(0, eq).trim();
    const raw = o.slice(eq + 1).trim();
    if (!keys.includes(key)) {
      const leaf = key.split('.').pop() as string;
      const near = keys.filter((k) => editDistance(k, key) <= 2 || editDistance(k.split('.').pop() as string, leaf) <= 1);
      throw new ConfigError(
        `unknown config key '${key}'` + (near.length ? `; did you mean ${near.join(' or ')}?` : `; keys are: ${keys.join(', ')}`),
      );
    }
    const path = key.split('.');
    let obj = out as unknown as Record<string, unknown>;
    for (const p of path.slice(0, -1)) obj = obj[p] as Record<string, unknown>;
    const last = path[path.length - 1];
    obj[last] = parseValue(key, raw, obj[last]);
  }
  return validateConfig(out);
}

function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(value as T)) {
    throw new ConfigError(`${key}=${JSON.stringify(value)} is not allowed; use one of ${allowed.join(', ')}`);
  }
}

function intIn(key: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key}=${JSON.stringify(value)} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}`);
  }
}

function positive(key: string, value: unknown): void {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError(`${key}=${JSON.stringify(value)} must be a positive number`);
  }
}

/** Check every field; returns the config unchanged or throws a `ConfigError` naming the first bad field. */
export function validateConfig(c: SimGANConfig): SimGANConfig {
  intIn('seed', c.seed, 0, 2 ** 32 - 1);
  if (typeof c.data?.synthetic !== 'string' || !c.data.synthetic) throw new ConfigError('data.synthetic must name a dataset');
  if (typeof c.data?.real !== 'string' || !c.data.real) throw new ConfigError('data.real must name a dataset');
  if (typeof c.data.realHoldout !== 'number' || !(c.data.realHoldout >= 0 && c.data.realHoldout <= 0.9)) {
    throw new ConfigError(`data.realHoldout=${JSON.stringify(c.data.realHoldout)} must be a fraction from 0 to 0.9`);
  }
  if (c.data.test !== undefined && typeof c.data.test !== 'string') throw new ConfigError(`data.test=${JSON.stringify(c.data.test)} must name a dataset or be ''`);
  if (c.data.test && c.data.test === c.data.real) throw new ConfigError(`data.test=${c.data.test} is the real training domain itself; name a source of other people (e.g. columbia-gaze-test)`);
  intIn('image.height', c.image.height, 4);
  intIn('image.width', c.image.width, 4);
  oneOf('image.channels', c.image.channels, [1, 3] as unknown as readonly string[]);
  intIn('refiner.filters', c.refiner.filters, 1);
  intIn('refiner.blocks', c.refiner.blocks, 0);
  intIn('refiner.kernel', c.refiner.kernel, 1);
  if (c.refiner.kernel % 2 !== 1) throw new ConfigError(`refiner.kernel=${c.refiner.kernel} must be odd (the refiner keeps the image size)`);
  if (!Array.isArray(c.discriminator.layers) || c.discriminator.layers.length === 0) {
    throw new ConfigError('discriminator.layers must be a non-empty array of {type: conv|maxpool, ...}');
  }
  c.discriminator.layers.forEach((l, i) => {
    const k = `discriminator.layers[${i}]`;
    oneOf(`${k}.type`, l.type, ['conv', 'maxpool']);
    if (l.type === 'conv') {
      intIn(`${k}.filters`, l.filters, 1);
      intIn(`${k}.kernel`, l.kernel, 1);
      intIn(`${k}.stride`, l.stride, 1);
    } else {
      intIn(`${k}.size`, l.size, 1);
      intIn(`${k}.stride`, l.stride, 1);
    }
  });
  oneOf('adversarial', c.adversarial, ['local', 'global']);
  oneOf('reduction', c.reduction, ['sum', 'mean']);
  if (typeof c.lambda !== 'number' || !(c.lambda >= 0) || !Number.isFinite(c.lambda)) {
    throw new ConfigError(`lambda=${JSON.stringify(c.lambda)} must be a number ≥ 0`);
  }
  oneOf('psi', c.psi, ['identity', 'channel-mean', 'downsample']);
  if (typeof c.history.enabled !== 'boolean') throw new ConfigError(`history.enabled=${JSON.stringify(c.history.enabled)} must be true or false`);
  intIn('batchSize', c.batchSize, 2);
  if (c.batchSize % 2 !== 0) throw new ConfigError(`batchSize=${c.batchSize} must be even (half of D's refined batch comes from the history buffer)`);
  intIn('history.size', c.history.size, c.history.enabled ? c.batchSize / 2 : 0);
  for (const net of ['refiner', 'discriminator'] as const) {
    const o = c.optimizer[net];
    oneOf(`optimizer.${net}.type`, o.type, ['sgd', 'adam']);
    positive(`optimizer.${net}.lr`, o.lr);
    if (typeof o.beta1 !== 'number' || !(o.beta1 >= 0 && o.beta1 < 1)) {
      throw new ConfigError(`optimizer.${net}.beta1=${JSON.stringify(o.beta1)} must be in [0, 1)`);
    }
  }
  intIn('schedule.refinerPretrainSteps', c.schedule.refinerPretrainSteps, 0);
  intIn('schedule.discriminatorPretrainSteps', c.schedule.discriminatorPretrainSteps, 0);
  intIn('schedule.steps', c.schedule.steps, 0);
  intIn('schedule.kG', c.schedule.kG, 1);
  intIn('schedule.kD', c.schedule.kD, 1);
  intIn('logging.sampleEvery', c.logging.sampleEvery, 0);
  intIn('logging.sampleCount', c.logging.sampleCount, 1, 64);
  intIn('logging.checkpointEvery', c.logging.checkpointEvery, 0);
  intIn('logging.keepCheckpoints', c.logging.keepCheckpoints, 1);
  intIn('logging.collapsePatience', c.logging.collapsePatience, 1);
  return c;
}

/** A preset with overrides applied and validated: what `simgan train --preset P --set k=v` runs. */
export function resolveConfig(presetName: string, overrides: string[] = []): SimGANConfig {
  return applyOverrides(preset(presetName), overrides);
}
