/**
 * Progress for long loops: a redrawn bar on a TTY, plain lines (at most one per `intervalMs`) otherwise,
 * so logs in files and CI stay readable.
 */
export interface ProgressOptions {
  total: number;
  /** Write target (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** Minimum time between plain lines when not on a TTY (default 5 s). */
  intervalMs?: number;
  label?: string;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly start = Date.now();
  private lastPlain = 0;
  /** Recent (time, done) samples: the ETA uses the recent rate, since phases run at different speeds. */
  private recent: Array<[number, number]> = [];

  constructor(private readonly o: ProgressOptions) {
    this.stream = o.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Report `done` of `total`, with a short status text. */
  update(done: number, status = ''): void {
    const now = Date.now();
    if (this.recent.length === 0) this.recent.push([this.start, done - 1]);
    this.recent.push([now, done]);
    if (this.recent.length > 30) this.recent.shift();
    const [t0, d0] = this.recent[0];
    const rate = (done - d0) / Math.max((now - t0) / 1000, 1e-9);
    const eta = formatDuration((this.o.total - done) / rate);
    const label = this.o.label ? `${this.o.label} ` : '';
    if (this.tty) {
      const width = 24;
      const filled = Math.round((done / this.o.total) * width);
      const bar = '█'.repeat(filled) + '·'.repeat(width - filled);
      const line = `${label}${bar} ${done}/${this.o.total} ETA ${eta} ${status}`;
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
      if (done >= this.o.total) this.stream.write('\n');
    } else if (done >= this.o.total || Date.now() - this.lastPlain >= (this.o.intervalMs ?? 5000)) {
      this.lastPlain = Date.now();
      this.stream.write(`${label}${done}/${this.o.total} (${((done / this.o.total) * 100).toFixed(0)}%) ETA ${eta} ${status}\n`);
    }
  }

  /** Print a message without garbling the bar. */
  message(line: string): void {
    this.stream.write(this.tty ? `\r\x1b[K${line}\n` : `${line}\n`);
  }
}
