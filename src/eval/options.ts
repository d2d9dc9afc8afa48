/** The evaluation options' limits, shared by `simgan eval`, `simgan sweep` and evaluateRun. */
import { UserError } from '../util/user-error';

/** The smallest value each evaluation option accepts (a C2ST needs ≥ 4 images a side to split train/test). */
export const EVAL_OPTION_MIN = { seeds: 1, epochs: 1, syntheticCount: 0, c2stPerSide: 4, c2stEpochs: 1 } as const;

/** A user error naming the first evaluation option out of range. */
export function assertEvalOptions(o: Partial<Record<keyof typeof EVAL_OPTION_MIN, number>>): void {
  for (const [k, min] of Object.entries(EVAL_OPTION_MIN)) {
    const v = o[k as keyof typeof EVAL_OPTION_MIN];
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new UserError(`evaluation option ${k}=${v}: give a whole number ≥ ${min}`);
  }
}
