/**
 * What a visual Turing test keeps on disk, in `RUN_DIR/turing/`:
 *   session.json    the test's parameters (count, seed, the refiner's checkpoint step), written atomically
 *                   when the test starts; a restart must match them, so one answers file never mixes two
 *                   image sets
 *   answers.jsonl   one JSON answer per line ({id, truth, answer, ms?, at}), appended and fsync'ed before
 *                   the server acknowledges it: a killed server loses nothing it said it had
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../runs/atomic';
import { DEFAULT_TURING_COUNT, DEFAULT_TURING_SEED } from './session';
import { TURING_LABELS, TuringAnswer } from './stats';

export interface TuringPaths {
  dir: string;
  session: string;
  answers: string;
}

export function turingPaths(runDir: string): TuringPaths {
  const dir = path.join(path.resolve(runDir), 'turing');
  return { dir, session: path.join(dir, 'session.json'), answers: path.join(dir, 'answers.jsonl') };
}

/** What decides the image set: a restart with other values would show other images. */
export interface SessionParams {
  count: number;
  seed: number;
  /** The refiner's checkpoint step (absent for injected image sources). */
  step?: number;
}

/** session.json: the parameters plus what the images were drawn from (informational). */
export interface StoredSession extends SessionParams {
  sources?: { real: string; refined: string };
  createdAt?: string;
}

export function readStoredSession(file: string): StoredSession | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredSession;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); move the turing/ folder aside to start a new test`);
  }
}

export function writeStoredSession(file: string, session: StoredSession): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, session);
}

/**
 * The parameters a (re)started test uses. Values not asked for come from the stored session (so a plain
 * restart continues the test), else the defaults (count 20, seed 1). Asked-for values that differ from
 * the stored ones, or a refiner trained further since, are refused: the answers so far are about another
 * image set. `where` names the folder in the error.
 */
export function resolveSessionParams(
  stored: StoredSession | undefined,
  asked: { count?: number; seed?: number },
  step: number | undefined,
  where: string,
): SessionParams {
  const params: SessionParams = {
    count: asked.count ?? stored?.count ?? DEFAULT_TURING_COUNT,
    seed: asked.seed ?? stored?.seed ?? DEFAULT_TURING_SEED,
    ...(step === undefined ? {} : { step }),
  };
  if (!stored) return params;
  const fix = `restart without --count/--seed to continue it, or move ${where} aside to start a new test`;
  if (params.count !== stored.count || params.seed !== stored.seed) {
    throw new Error(
      `${where} holds a test with --count ${stored.count} --seed ${stored.seed}; this start asks for --count ${params.count} --seed ${params.seed}. ` +
        `Its answers are about other images: ${fix}`,
    );
  }
  if (stored.step !== step) {
    throw new Error(
      `${where} holds a test of the refiner at step ${stored.step ?? 'unknown'}; the run's latest checkpoint is step ${step ?? 'unknown'}, ` +
        `so its refined images differ. Move ${where} aside to test the new refiner`,
    );
  }
  return params;
}

/**
 * Drop a torn last line (a crash in the middle of a write) so that the next append starts on a line of its
 * own instead of being glued to the fragment. Returns the bytes dropped.
 */
export function repairAnswersFile(file: string): number {
  if (!existsSync(file)) return 0;
  const bytes = readFileSync(file);
  const end = bytes.lastIndexOf(0x0a) + 1;
  if (end === bytes.length) return 0;
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, end);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return bytes.length - end;
}

/** Append one answer as a line and fsync it: once this returns, a SIGKILL (or power loss) cannot lose it. */
export function appendAnswer(file: string, answer: TuringAnswer): void {
  const created = !existsSync(file);
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'a');
  try {
    appendFileSync(fd, JSON.stringify(answer) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (created) {
    // A new file's directory entry is only durable once the directory itself is synced.
    const dirFd = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

function isAnswer(v: unknown): v is TuringAnswer {
  const a = v as TuringAnswer;
  return (
    typeof a === 'object' && a !== null && typeof a.id === 'string' && typeof a.at === 'string' &&
    TURING_LABELS.includes(a.truth) && TURING_LABELS.includes(a.answer) && (a.ms === undefined || typeof a.ms === 'number')
  );
}

/**
 * The answers in the file, in order. A last line without its newline (torn by a crash) is ignored; any
 * other line that is not an answer is an error naming the line, since it is damage, not a crash artefact.
 */
export function readAnswers(file: string): TuringAnswer[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const complete = text.split('\n').slice(0, -1); // what follows the last newline is '' or a torn line
  const out: TuringAnswer[] = [];
  complete.forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      v = undefined;
    }
    if (!isAnswer(v)) throw new Error(`${file} line ${i + 1} is not an answer (${line.slice(0, 80)}); fix or remove that line`);
    out.push(v);
  });
  return out;
}
