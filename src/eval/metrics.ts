/** Pure metric functions on plain arrays. */

/** Fraction of positions where `pred[i] === truth[i]`. */
export function accuracy(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  if (pred.length !== truth.length) throw new Error(`accuracy: ${pred.length} predictions for ${truth.length} labels`);
  if (pred.length === 0) throw new Error('accuracy: no predictions');
  let right = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) right++;
  return right / pred.length;
}

/** Angle in degrees between two 3-D vectors (any lengths). */
export function angleDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const na = Math.hypot(a[0], a[1], a[2]), nb = Math.hypot(b[0], b[1], b[2]);
  if (na === 0 || nb === 0) return NaN;
  return (Math.acos(Math.max(-1, Math.min(1, dot / (na * nb)))) * 180) / Math.PI;
}

export interface GazeErrors {
  /** Mean angular error in degrees. */
  meanDeg: number;
  /** Fraction of samples within `withinDeg` degrees (the paper reports d = 7). */
  within: number;
  withinDeg: number;
}

/** Angular errors between predicted and true gaze vectors (each [x, y, z, …]). */
export function gazeErrors(pred: ArrayLike<number>[], truth: ArrayLike<number>[], withinDeg = 7): GazeErrors {
  if (pred.length !== truth.length || pred.length === 0) throw new Error(`gazeErrors: ${pred.length} predictions for ${truth.length} labels`);
  const errs = pred.map((p, i) => angleDeg(p, truth[i]));
  return { meanDeg: errs.reduce((a, b) => a + b, 0) / errs.length, within: errs.filter((e) => e <= withinDeg).length / errs.length, withinDeg };
}
