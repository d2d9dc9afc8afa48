/**
 * The visual Turing test as a small local web server (paper Sec. 4.1): one image at a time, "real or
 * refined?", each answer stored as it arrives (answers.ts), the paper's table at the end.
 *
 * Bound to 127.0.0.1 only. Routes:
 *   GET  /                  the page (HTML, CSS and JS inline; no external resources)
 *   GET  /api/session       { items: [{id, answered}], remaining }: no truth labels
 *   GET  /images/<id>.png   one image
 *   POST /api/answers       {id, answer: 'real'|'refined', ms?} → { ok: true, remaining }
 *   GET  /api/summary       before the last answer only { complete: false, answered, remaining }: even a
 *                           running count of correct answers would tell a subject, by difference, whether
 *                           each answer was right. After it: the stats, every item with its truth, and
 *                           the table as HTML.
 * Bad requests get a 4xx and { error } saying what is wrong. Requiring `Content-Type: application/json`
 * also keeps other web sites out: a cross-origin JSON POST needs a CORS preflight, which this server
 * refuses (405); the Host check refuses DNS-rebinding pages that reach 127.0.0.1 under a foreign name.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendAnswer, readAnswers, repairAnswersFile } from './answers';
import type { TuringItem, TuringSession } from './session';
import { TURING_LABELS, TuringAnswer, TuringLabel, turingStats, turingSummaryTableHtml } from './stats';

export const TURING_HOST = '127.0.0.1';
/** Largest accepted request body: an answer is under 100 bytes. */
export const MAX_BODY_BYTES = 4096;

export interface TuringServerOptions {
  session: TuringSession;
  /** The answers file (RUN_DIR/turing/answers.jsonl); answers already in it are kept and not asked again. */
  answersFile: string;
  /** Port on 127.0.0.1 (default 0: a free one; the chosen one is in `port` and `url`). */
  port?: number;
  /** Called after each answer is stored (e.g. a console line; it must not reveal the truth to a subject watching). */
  onAnswer?: (answered: number, total: number) => void;
}

export interface TuringServer {
  server: http.Server;
  port: number;
  url: string;
  /** Stop listening and close open (keep-alive) connections. */
  close(): Promise<void>;
}

/** A 4xx with a message for the client. */
class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', { 'Cache-Control': 'no-store', ...headers });
}

/** The request body, refusing more than MAX_BODY_BYTES (413) whether or not Content-Length says so. */
function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = () => new HttpError(413, `request body is over ${MAX_BODY_BYTES} bytes; an answer is {"id": …, "answer": …, "ms": …}`, { Connection: 'close' });
  if (declared > MAX_BODY_BYTES) {
    req.resume(); // discard it, so the client sees the 413 instead of a reset
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Validate a POSTed answer; the errors name the field and what is allowed. */
function parseAnswerBody(raw: Buffer): { id: string; answer: TuringLabel; ms?: number } {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `body is not valid JSON (${(e as Error).message}); send {"id": "img-01", "answer": "real"}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body must be a JSON object {"id", "answer", "ms"?}');
  const { id, answer, ms } = body as Record<string, unknown>;
  if (typeof id !== 'string' || id === '') throw new HttpError(400, 'missing "id": the image id from /api/session');
  if (typeof answer !== 'string' || !TURING_LABELS.includes(answer as TuringLabel)) {
    throw new HttpError(400, `"answer" ${JSON.stringify(answer ?? null)} is not allowed: use "real" or "refined"`);
  }
  if (ms !== undefined && !(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0)) {
    throw new HttpError(400, `"ms" ${JSON.stringify(ms)} must be a number of milliseconds ≥ 0 (or left out)`);
  }
  return { id, answer: answer as TuringLabel, ...(ms === undefined ? {} : { ms: Math.round(ms as number) }) };
}

/**
 * Answers already in the file, checked against the session: an id it does not have, a truth that differs
 * or an id answered twice means the file belongs to another test or was edited.
 */
function loadAnswered(file: string, byId: Map<string, TuringItem>): Map<string, TuringAnswer> {
  repairAnswersFile(file);
  const answered = new Map<string, TuringAnswer>();
  for (const a of readAnswers(file)) {
    const item = byId.get(a.id);
    const problem = !item ? 'is not an image of this test' : item.truth !== a.truth ? 'has another truth label than this test' : answered.has(a.id) ? 'is answered twice' : '';
    if (problem) throw new Error(`${file}: ${a.id} ${problem}; the file belongs to another test. Move its folder aside to start a new one`);
    answered.set(a.id, a);
  }
  return answered;
}

export async function startTuringServer(o: TuringServerOptions): Promise<TuringServer> {
  const items = o.session.items;
  const byId = new Map(items.map((it) => [it.id, it]));
  const answered = loadAnswered(o.answersFile, byId);
  const remaining = () => items.length - answered.size;
  let port = 0;

  const summary = () => {
    if (remaining() > 0) return { complete: false, answered: answered.size, remaining: remaining() };
    const list = items.map((it) => answered.get(it.id)!);
    const stats = turingStats(list);
    return { complete: true, ...stats, items: list, html: turingSummaryTableHtml(stats) };
  };

  const routes: Record<string, Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void>> = {
    '/': { GET: (_q, res) => send(res, 200, PAGE, 'text/html; charset=utf-8') },
    '/api/session': { GET: (_q, res) => sendJson(res, 200, { items: items.map((it) => ({ id: it.id, answered: answered.has(it.id) })), remaining: remaining() }) },
    '/api/summary': { GET: (_q, res) => sendJson(res, 200, summary()) },
    '/api/answers': {
      POST: async (req, res) => {
        const type = String(req.headers['content-type'] ?? '');
        if (!/^application\/json\s*(;|$)/i.test(type)) {
          req.resume();
          throw new HttpError(415, `Content-Type ${JSON.stringify(type || '(none)')} is not accepted: send application/json`);
        }
        const a = parseAnswerBody(await readBody(req));
        const item = byId.get(a.id);
        if (!item) throw new HttpError(404, `no image ${JSON.stringify(a.id)} in this test; ids are in /api/session`);
        if (answered.has(a.id)) throw new HttpError(409, `${a.id} is already answered; each image is answered once`);
        const record: TuringAnswer = { id: a.id, truth: item.truth, answer: a.answer, ...(a.ms === undefined ? {} : { ms: a.ms }), at: new Date().toISOString() };
        appendAnswer(o.answersFile, record); // stored and fsync'ed before the acknowledgement
        answered.set(a.id, record);
        o.onAnswer?.(answered.size, items.length);
        sendJson(res, 200, { ok: true, remaining: remaining() });
      },
    },
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const host = req.headers.host ?? '';
    if (host !== `${TURING_HOST}:${port}` && host !== `localhost:${port}`) {
      throw new HttpError(403, `Host ${JSON.stringify(host)} is not this server; open http://${TURING_HOST}:${port}/`);
    }
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const image = /^\/images\/([^/]+)\.png$/.exec(pathname);
    if (image) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} ${pathname}: use GET`, { Allow: 'GET, HEAD' });
      const item = byId.get(image[1]); // ids are plain ASCII (img-07): nothing to decode
      if (!item) throw new HttpError(404, `no image ${JSON.stringify(image[1])} in this test; ids are in /api/session`);
      return send(res, 200, item.png, 'image/png', { 'Cache-Control': 'no-store' });
    }
    const route = routes[pathname];
    if (!route) throw new HttpError(404, `no such path ${pathname}: the page is at /`);
    const method = req.method === 'HEAD' && route.GET ? 'GET' : req.method ?? '';
    const h = route[method];
    if (!h) {
      const allow = Object.keys(route).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
      throw new HttpError(405, `${req.method} ${pathname} is not allowed: use ${allow}`, { Allow: allow });
    }
    await h(req, res);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message }, e.headers);
      // Not the client's fault (e.g. the disk is full): say so; the answer was not acknowledged.
      sendJson(res, 500, { error: `server error: ${(e as Error).message}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, TURING_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${TURING_HOST}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The test page. Stable ids for browser tests: #turing-image, #answer-real, #answer-refined, #progress,
 * #summary (hidden until done) holding #confusion, #accuracy, #pvalue (from turingSummaryTableHtml). */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Real or refined? — SimGAN visual Turing test</title>
<link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, sans-serif; color: #222; max-width: 760px; margin: 2em auto; padding: 0 1em; text-align: center; }
  #turing-image { height: 256px; max-width: 100%; image-rendering: pixelated; border: 1px solid #bbb; background: #eee; }
  button { font-size: 1.3em; padding: 0.5em 2em; margin: 1em 0.5em; cursor: pointer; }
  kbd { font-size: 0.7em; border: 1px solid #999; border-radius: 3px; padding: 0 0.3em; margin-left: 0.4em; color: #555; }
  #progress { color: #555; }
  #error { color: #b00; }
  #summary table { margin: 1em auto; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<h1>Real or refined?</h1>
<p>Each image is either a real image or a simulated one that a network has refined to look real. Decide for each one.</p>
<p id="progress">Loading…</p>
<div id="stage">
  <img id="turing-image" alt="the image to judge"><br>
  <button id="answer-real" type="button" disabled>Real<kbd>r</kbd></button>
  <button id="answer-refined" type="button" disabled>Refined<kbd>f</kbd></button>
</div>
<p id="error" role="alert" hidden></p>
<section id="summary" hidden>
  <h2>Results</h2>
  <div id="summary-table"></div>
</section>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const img = $('turing-image'), progress = $('progress'), buttons = [$('answer-real'), $('answer-refined')];
  let total = 0, queue = [], current = null, shownAt = 0, busy = true;
  const setBusy = (b) => { busy = b; buttons.forEach((x) => { x.disabled = b; }); };
  const fail = (msg) => { $('error').textContent = msg; $('error').hidden = false; };
  async function api(path, init) {
    const r = await fetch(path, init);
    return { ok: r.ok, status: r.status, body: await r.json().catch(() => ({})) };
  }
  function next() {
    current = queue.shift() || null;
    if (!current) return finish();
    progress.textContent = (total - queue.length) + ' of ' + total;
    setBusy(true);
    img.onload = () => { shownAt = performance.now(); setBusy(false); };
    img.onerror = () => fail('Could not load ' + current + '. Is the server still running?');
    img.src = '/images/' + encodeURIComponent(current) + '.png';
  }
  async function answer(choice) {
    if (busy || !current) return;
    setBusy(true);
    try {
      const r = await api('/api/answers', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: current, answer: choice, ms: Math.round(performance.now() - shownAt) }),
      });
      // 409: answered already (e.g. in another tab); move on either way.
      if (!r.ok && r.status !== 409) { setBusy(false); return fail('Answer not saved: ' + (r.body.error || r.status)); }
      next();
    } catch (e) {
      setBusy(false);
      fail('Answer not saved (is the server still running?): ' + e.message);
    }
  }
  async function finish() {
    $('stage').hidden = true;
    progress.textContent = total + ' of ' + total + ' answered';
    const r = await api('/api/summary');
    if (!r.body.complete) return fail('The server has ' + r.body.remaining + ' images left; reload the page.');
    $('summary-table').innerHTML = r.body.html;
    $('summary').hidden = false;
  }
  buttons[0].addEventListener('click', () => answer('real'));
  buttons[1].addEventListener('click', () => answer('refined'));
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    const k = e.key.toLowerCase();
    if (k === 'r') answer('real');
    else if (k === 'f') answer('refined');
  });
  api('/api/session').then((r) => {
    total = r.body.items.length;
    queue = r.body.items.filter((i) => !i.answered).map((i) => i.id);
    next();
  }).catch((e) => fail('Could not load the test: ' + e.message));
})();
</script>
</body>
</html>
`;
