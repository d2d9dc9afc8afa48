/**
 * SimGAN's losses as pure functions of tensors.
 *
 * Label convention, used everywhere: D outputs two logits per decision (per patch for the local head, per
 * image for the global head); class `LABEL.refined` (index 0) is "this is a refined/synthetic image",
 * class `LABEL.real` (index 1) is "this is a real image". D(x) in the paper is softmax(logits)[refined].
 *
 *   L_D = −Σ log D(x̃) − Σ log(1 − D(y))          (discriminatorLoss)
 *   L_R = −Σ log(1 − D(R(x))) + λ‖ψ(R(x)) − ψ(x)‖₁  (refinerAdversarialLoss + λ·selfRegularizationLoss)
 *
 * Scaling, fixed here once: the Σ over patches is a sum (the paper) or a mean (`reduction`); the
 * self-regularisation is the L1 *sum* over ψ's elements of one image; both are then averaged over the
 * batch, so no term changes with the batch size (a bug of some public ports: summing one term over the
 * batch and averaging the other makes λ silently depend on b). With `reduction: 'mean'` the adversarial
 * term is P times smaller for P patches per image, so λ_mean = λ_sum / P for the same update direction.
 */
import { tf } from './backend';

export const LABEL = { refined: 0, real: 1 } as const;
export type Label = (typeof LABEL)[keyof typeof LABEL];
export type Reduction = 'sum' | 'mean';
export type Psi = 'identity' | 'channel-mean' | 'downsample';

/**
 * l_other − l_label for every decision: logits [..., 2] → [...]. Computed as Σ (logits · ±1) over the last
 * axis, which is exactly the subtraction (×±1 and 0 + a are exact) but costs no split along the last axis:
 * wasm slices a 2-wide axis element by element, ≈ 1.5 ms per split and per concat in its gradient, several
 * per training step.
 */
export function logitMargin(logits: tf.Tensor, label: Label): tf.Tensor {
  return tf.tidy(() => tf.sum(tf.mul(logits, tf.tensor1d(label === LABEL.real ? [1, -1] : [-1, 1])), -1));
}

/**
 * Cross-entropy of every decision against `label`: logits [..., 2] → [...].
 * With two classes, −log softmax(l)[1] = softplus(l₀ − l₁) and −log softmax(l)[0] = softplus(l₁ − l₀),
 * which is stable for large logits and needs no gather (whose gradient wasm lacks).
 */
export function crossEntropyPerDecision(logits: tf.Tensor, label: Label): tf.Tensor {
  return tf.tidy(() => tf.softplus(logitMargin(logits, label)));
}

/**
 * Mean over the batch of each image's cross-entropy, combined over its decisions by `reduction`.
 * Accepts local logits [N, h, w, 2] or global logits [N, 2] (one decision per image).
 */
export function adversarialLoss(logits: tf.Tensor, label: Label, reduction: Reduction = 'sum'): tf.Scalar {
  if (logits.shape[logits.rank - 1] !== 2) {
    throw new Error(`adversarialLoss: logits must end in 2 (refined, real), got shape [${logits.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const ce = crossEntropyPerDecision(logits, label);
    const axes = Array.from({ length: ce.rank - 1 }, (_, i) => i + 1);
    const perImage = axes.length === 0 ? ce : reduction === 'sum' ? ce.sum(axes) : ce.mean(axes);
    return perImage.mean() as tf.Scalar;
  });
}

/** The refiner's adversarial term −log(1 − D(R(x))): D's logits on refined images, scored as "real". */
export function refinerAdversarialLoss(logitsOnRefined: tf.Tensor, reduction: Reduction = 'sum'): tf.Scalar {
  return adversarialLoss(logitsOnRefined, LABEL.real, reduction);
}

/** D's loss: refined images should be called refined, real ones real. */
export function discriminatorLoss(logitsOnRefined: tf.Tensor, logitsOnReal: tf.Tensor, reduction: Reduction = 'sum'): tf.Scalar {
  return tf.tidy(() => adversarialLoss(logitsOnRefined, LABEL.refined, reduction).add(adversarialLoss(logitsOnReal, LABEL.real, reduction)) as tf.Scalar);
}

/** ψ, the feature map the self-regularisation compares in: images [N, H, W, C]. */
export function psi(images: tf.Tensor4D, kind: Psi): tf.Tensor4D {
  switch (kind) {
    case 'identity':
      return images;
    case 'channel-mean':
      return images.mean(-1, true);
    case 'downsample':
      return tf.avgPool(images, 2, 2, 'valid');
    default:
      throw new Error(`unknown psi '${kind as string}' (identity, channel-mean, downsample)`);
  }
}

/** ‖ψ(refined) − ψ(synthetic)‖₁ summed over each image, averaged over the batch (λ is applied by the caller). */
export function selfRegularizationLoss(refined: tf.Tensor4D, synthetic: tf.Tensor4D, kind: Psi = 'identity'): tf.Scalar {
  return tf.tidy(() => psi(refined, kind).sub(psi(synthetic, kind)).abs().sum([1, 2, 3]).mean() as tf.Scalar);
}

/** Fraction of decisions (patches or images) D assigns to `label`: its accuracy on that domain. */
export function discriminatorAccuracy(logits: tf.Tensor, label: Label): tf.Scalar {
  return tf.tidy(() => {
    // Right when the label's logit is the larger: l_other − l_label < 0 (a tie counts as "refined", as before).
    const margin = logitMargin(logits, label);
    return (label === LABEL.real ? tf.less(margin, 0) : tf.lessEqual(margin, 0)).cast('float32').mean() as tf.Scalar;
  });
}
