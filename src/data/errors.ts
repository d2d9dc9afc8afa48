/**
 * Bad data: errors that name the file (and row) and what was expected, and a tally for inputs that are
 * skipped rather than fatal (a loader that skips must say how many and why — data is never dropped silently).
 */
import { UserError } from '../util/user-error';

export class DataError extends UserError {
  constructor(readonly where: string, readonly what: string) {
    super(`${where}: ${what}`);
  }
}

export interface Skipped {
  where: string;
  why: string;
}

/** Collects skipped inputs; `summary()` is the one warning a loader prints. */
export class SkipLog {
  readonly skipped: Skipped[] = [];

  add(where: string, why: string): void {
    this.skipped.push({ where, why });
  }

  get count(): number {
    return this.skipped.length;
  }

  /** e.g. "skipped 2 of 2,500 rows of X: row 17: bad base64; row 90: not a JPEG" (first 5 shown). */
  summary(total: number, what: string): string | undefined {
    if (!this.skipped.length) return undefined;
    const shown = this.skipped.slice(0, 5).map((s) => `${s.where}: ${s.why}`).join('; ');
    const more = this.skipped.length > 5 ? `; … ${this.skipped.length - 5} more` : '';
    return `skipped ${this.skipped.length} of ${total.toLocaleString('en-US')} ${what}: ${shown}${more}`;
  }
}
