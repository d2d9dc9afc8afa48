/**
 * The SimGAN training state and its single steps (Algorithm 1 of the paper, one piece at a time):
 * `refinerStep` updates only R's variables, `discriminatorStep` only D's, each with its own optimizer.
 * `train.ts` drives these in the paper's schedule; notebooks can call them one by one.
 */
import { tf } from '../backend';
import type { OptimizerSpec, SimGANConfig } from '../config';
import type { DomainPair } from '../data/dataset';
import { sampleIndices } from '../data/dataset';
import { ImageHistoryBuffer } from '../history';
import { discriminatorAccuracy, discriminatorLoss, LABEL, refinerAdversarialLoss, selfRegularizationLoss } from '../losses';
import { buildDiscriminator } from '../nets/discriminator';
import { buildRefiner } from '../nets/refiner';
import { Rng } from '../util/random';
import type { RefinedStats } from './monitor';

export interface RefinerStepResult {
  /** −log(1 − D(R(x))) term (absent in pretraining). */
  adversarial?: number;
  /** ‖ψ(R(x)) − ψ(x)‖₁ per image, before λ. */
  selfReg: number;
  /** The loss R minimised: adversarial + λ·selfReg (pretraining: selfReg alone). */
  total: number;
  refined: RefinedStats;
}

export interface DiscriminatorStepResult {
  loss: number;
  /** Fraction of D's decisions that call refined images refined. */
  accRefined: number;
  /** Fraction of D's decisions that call real images real. */
  accReal: number;
}

export function makeOptimizer(spec: OptimizerSpec): tf.Optimizer {
  return spec.type === 'sgd' ? tf.train.sgd(spec.lr) : tf.train.adam(spec.lr, spec.beta1, 0.999);
}

function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

export class SimGANTrainer {
  readonly refiner: tf.LayersModel;
  readonly discriminator: tf.LayersModel;
  readonly refinerOptimizer: tf.Optimizer;
  readonly discriminatorOptimizer: tf.Optimizer;
  readonly history: ImageHistoryBuffer;
  /** Draws the data mini-batches; checkpointed. */
  readonly rng: Rng;
  private readonly refinerVars: tf.Variable[];
  private readonly discriminatorVars: tf.Variable[];

  constructor(readonly config: SimGANConfig, readonly data: DomainPair) {
    this.refiner = buildRefiner(config, config.seed);
    this.discriminator = buildDiscriminator(config, config.seed + 7919);
    this.refinerVars = trainableVariables(this.refiner);
    this.discriminatorVars = trainableVariables(this.discriminator);
    this.refinerOptimizer = makeOptimizer(config.optimizer.refiner);
    this.discriminatorOptimizer = makeOptimizer(config.optimizer.discriminator);
    this.rng = new Rng(config.seed * 2654435761);
    this.history = new ImageHistoryBuffer(config.history.enabled ? config.history.size : 0, new Rng(config.seed * 40503 + 1));
  }

  /** A mini-batch of the given domain (the caller disposes it). */
  sample(domain: 'synthetic' | 'real', n = this.config.batchSize): tf.Tensor4D {
    const ds = this.data[domain];
    return ds.batch(sampleIndices(ds.size, n, this.rng));
  }

  /** R(x) without gradients. */
  refine(synthetic: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.refiner.apply(synthetic, { training: false }) as tf.Tensor4D);
  }

  /** D's logits ([N,h,w,2] local, [N,2] global). */
  discriminate(images: tf.Tensor4D): tf.Tensor {
    return tf.tidy(() => this.discriminator.apply(images, { training: false }) as tf.Tensor);
  }

  /**
   * One refiner update on a fresh synthetic batch. `adversarial: false` is the pretraining step
   * (self-regularisation only, unweighted, so pretraining works for any λ including 0).
   */
  async refinerStep(adversarial: boolean): Promise<RefinerStepResult> {
    const { lambda, psi, reduction } = this.config;
    const synthetic = this.sample('synthetic');
    let kept: tf.Tensor[] = [];
    try {
      const { value, grads } = tf.variableGrads(() => {
        const refined = this.refiner.apply(synthetic, { training: true }) as tf.Tensor4D;
        const reg = selfRegularizationLoss(refined, synthetic, psi);
        const stats = tf.moments(refined);
        const saturated = refined.abs().greater(0.98).cast('float32').mean();
        const change = refined.sub(synthetic).abs().mean();
        if (!adversarial) {
          kept = [tf.keep(reg.clone()), tf.keep(stats.variance.sqrt()), tf.keep(saturated), tf.keep(change)];
          return reg;
        }
        const adv = refinerAdversarialLoss(this.discriminator.apply(refined, { training: true }) as tf.Tensor, reduction);
        kept = [tf.keep(reg.clone()), tf.keep(stats.variance.sqrt()), tf.keep(saturated), tf.keep(change), tf.keep(adv.clone())];
        return adv.add(reg.mul(lambda)) as tf.Scalar;
      }, this.refinerVars);
      this.refinerOptimizer.applyGradients(grads);
      const [total, ...rest] = await Promise.all([value, ...kept].map(async (t) => (await t.data())[0]));
      tf.dispose([value, ...Object.values(grads)]);
      const [selfReg, std, saturated, change, adv] = rest;
      return { adversarial: adversarial ? adv : undefined, selfReg, total, refined: { std, saturated, change } };
    } finally {
      tf.dispose([synthetic, ...kept]);
    }
  }

  /**
   * One discriminator update: refined = R(fresh synthetic batch), mixed with the history buffer (b/2 fresh,
   * b/2 from history), against a real batch; afterwards b/2 buffer slots take fresh refined images.
   */
  async discriminatorStep(): Promise<DiscriminatorStepResult> {
    const synthetic = this.sample('synthetic');
    const refined = this.refine(synthetic);
    const mixed = this.history.mix(refined);
    const real = this.sample('real');
    let kept: tf.Tensor[] = [];
    try {
      const { value, grads } = tf.variableGrads(() => {
        // One pass over both batches: D has no batch-dependent layers, so this is the same function as two
        // passes, with half the kernel calls (each has a fixed cost that dominates D's small late layers).
        const logits = this.discriminator.apply(tf.concat([mixed, real], 0), { training: true }) as tf.Tensor;
        const [onRefined, onReal] = tf.split(logits, [mixed.shape[0], real.shape[0]], 0);
        kept = [tf.keep(discriminatorAccuracy(onRefined, LABEL.refined)), tf.keep(discriminatorAccuracy(onReal, LABEL.real))];
        return discriminatorLoss(onRefined, onReal, this.config.reduction);
      }, this.discriminatorVars);
      this.discriminatorOptimizer.applyGradients(grads);
      const [loss, accRefined, accReal] = await Promise.all([value, ...kept].map(async (t) => (await t.data())[0]));
      tf.dispose([value, ...Object.values(grads)]);
      this.history.push(refined);
      return { loss, accRefined, accReal };
    } finally {
      tf.dispose([synthetic, refined, mixed, real, ...kept]);
    }
  }

  dispose(): void {
    this.refiner.dispose();
    this.discriminator.dispose();
    this.refinerOptimizer.dispose();
    this.discriminatorOptimizer.dispose();
    this.history.dispose();
  }
}
