/**
 * `simgan turing RUN_DIR`: the visual Turing test of a run's refiner in the browser (turing/server.ts),
 * and `turingSummaryHtml` for notebooks (the same table as the page's summary).
 */
import { existsSync } from 'node:fs';
import { UserError } from '../util/user-error';
import { selectBackend } from '../backend';
import { loadRunRefiner } from '../eval/evaluate';
import { assertTrainedRun } from '../runs/checkpoint';
import { readRunConfig, runPaths } from '../runs/run-dir';
import { readAnswers, readStoredSession, resolveSessionParams, turingPaths, writeStoredSession } from '../turing/answers';
import { startTuringServer, TuringServer } from '../turing/server';
import { buildTuringSession, runImageSource } from '../turing/session';
import { turingStats, turingSummaryTableHtml } from '../turing/stats';

/** A problem with the command line or the run directory: the CLI prints it and exits with status 2. */
export class TuringSetupError extends UserError {}

export interface TuringCommandOptions {
  /** Port on 127.0.0.1 (default 0: a free one, printed). */
  port?: number;
  /** Images in the test (default 20, or the stored test's count on a restart). */
  count?: number;
  /** Seed of the image choice and order (default 1, or the stored test's seed). */
  seed?: number;
}


export async function turingCommand(runDir: string, o: TuringCommandOptions = {}): Promise<number> {
  assertTrainedRun(runDir);
  const config = readRunConfig(runDir);
  const paths = turingPaths(runDir);
  const stored = readStoredSession(paths.session);
  if (!stored && readAnswers(paths.answers).length > 0) {
    throw new TuringSetupError(`${paths.answers} has answers but ${paths.session} is missing, so which images they were about is unknown: move ${paths.dir} aside`);
  }
  await selectBackend();
  const { refiner, step } = loadRunRefiner(runDir, config);
  let server: TuringServer;
  try {
    let params;
    try {
      params = resolveSessionParams(stored, { count: o.count, seed: o.seed }, step, paths.dir);
    } catch (e) {
      throw new TuringSetupError((e as Error).message);
    }
    const session = await buildTuringSession(runImageSource(config, refiner), params);
    if (!stored) writeStoredSession(paths.session, { ...params, sources: session.sources, createdAt: new Date().toISOString() });
    try {
      server = await startTuringServer({
        session,
        answersFile: paths.answers,
        port: o.port,
        // Progress only: the console may be in the subject's view, so nothing about right or wrong.
        onAnswer: (answered, total) => console.log(`[turing] ${answered} of ${total} answered`),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new TuringSetupError(`port ${o.port} is in use: choose another --port (0 picks a free one)`);
      throw e;
    }
    const half = session.count / 2;
    console.log(`[turing] ${session.count} images of the step-${step} refiner (seed ${session.seed}): ${half} real (${session.sources.real}), ${half} refined (${session.sources.refined})`);
    console.log(`[turing] answers go to ${paths.answers}; ${readAnswers(paths.answers).length} already there are kept`);
    console.log(`[turing] open ${server.url} (Ctrl-C stops the server)`);
  } finally {
    refiner.dispose();
  }
  return new Promise((resolve) => {
    // Closing is a courtesy: every acknowledged answer is already on disk, so a SIGKILL loses nothing.
    const stop = () => void server.close().then(() => resolve(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * The summary of a run's Turing-test answers as HTML (the page's table), for a notebook cell:
 * `tslab.display.html(turingSummaryHtml('runs/x'))`. Unlike the page it also shows an unfinished test:
 * this is the experimenter's view.
 */
export function turingSummaryHtml(runDir: string): string {
  const paths = turingPaths(runDir);
  const stored = readStoredSession(paths.session);
  const answers = readAnswers(paths.answers);
  if (!stored || answers.length === 0) return `<p>No visual Turing test answers in ${escapeHtml(paths.dir)} yet (run simgan turing ${escapeHtml(runDir)}).</p>`;
  const s = turingStats(answers);
  const head =
    `<p>Visual Turing test of ${escapeHtml(runDir)} (refiner at step ${stored.step ?? '?'}, seed ${stored.seed}): ` +
    `${answers.length} of ${stored.count} images answered${answers.length < stored.count ? ' (unfinished)' : ''}.</p>`;
  return `${head}\n${turingSummaryTableHtml(s)}`;
}

function escapeHtml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}
