/** The visual Turing test: its statistics, the seeded image set, the answers file and the local server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { selectBackend } from '../src/backend';
import { turingSummaryHtml } from '../src/commands/turing';
import { resolveConfig } from '../src/config';
import { projectRoot } from '../src/paths';
import { train } from '../src/train/train';
import { appendAnswer, readAnswers, repairAnswersFile, resolveSessionParams, turingPaths } from '../src/turing/answers';
import { MAX_BODY_BYTES, startTuringServer, TuringServer } from '../src/turing/server';
import { buildTuringSession, turingPlan, TuringImageSource, turingScale } from '../src/turing/session';
import { binomialTestGreater, binomialTestTwoSided, TuringAnswer, turingStats } from '../src/turing/stats';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-turing-'));
const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

// ---------- statistics ----------

/** Exact binomial p-values with BigInt coefficients: an independent check of the log-space sums. */
function bruteForce(k: number, n: number): { two: number; greater: number } {
  const c: bigint[] = [1n];
  for (let i = 1; i <= n; i++) c.push((c[i - 1] * BigInt(n - i + 1)) / BigInt(i));
  const total = 2n ** BigInt(n);
  const ratio = (num: bigint) => Number((num * 10n ** 18n) / total) / 1e18;
  return {
    two: ratio(c.filter((ci) => ci <= c[k]).reduce((a, b) => a + b, 0n)),
    greater: ratio(c.slice(k).reduce((a, b) => a + b, 0n)),
  };
}

test('binomial p-values: hand-computed values and edge cases', () => {
  assert.ok(close(binomialTestTwoSided(8, 10), 0.109375)); // (1 + 10 + 45) · 2 / 1024
  assert.ok(close(binomialTestGreater(8, 10), 0.0546875)); // 56 / 1024
  assert.equal(binomialTestTwoSided(10, 20), 1);
  assert.equal(binomialTestTwoSided(5, 10), 1);
  assert.ok(close(binomialTestTwoSided(0, 10), 2 / 1024));
  assert.ok(close(binomialTestTwoSided(10, 10), 2 / 1024));
  assert.equal(binomialTestGreater(0, 10), 1);
  assert.ok(close(binomialTestGreater(10, 10), 1 / 1024));
  assert.equal(binomialTestTwoSided(0, 0), 1);
  assert.equal(binomialTestTwoSided(0, 1), 1);
  assert.equal(binomialTestTwoSided(1, 1), 1);
  assert.ok(close(binomialTestTwoSided(3, 3), 0.25));
  for (const [k, n] of [[-1, 5], [6, 5], [1.5, 5], [0, -1]]) assert.throws(() => binomialTestTwoSided(k, n), /whole numbers 0 ≤ k ≤ n/);
});

test('binomial p-values agree with an exact BigInt computation for every k, n ≤ 60', () => {
  for (let n = 0; n <= 60; n++) {
    for (let k = 0; k <= n; k++) {
      const b = bruteForce(k, n);
      assert.ok(close(binomialTestTwoSided(k, n), b.two, 1e-9), `two-sided k=${k} n=${n}: ${binomialTestTwoSided(k, n)} vs ${b.two}`);
      assert.ok(close(binomialTestGreater(k, n), b.greater, 1e-9), `one-sided k=${k} n=${n}`);
    }
  }
});

test("large n works; the paper's 517 of 1,000 gives its p = 0.148 one-sided, 162 of 200 its p ≤ 1e-8", () => {
  assert.equal(binomialTestTwoSided(2500, 5000), 1);
  const p = binomialTestTwoSided(2600, 5000);
  assert.ok(p > 0 && p < 0.01, String(p));
  assert.ok(close(p, binomialTestTwoSided(2400, 5000), 1e-9), 'symmetric');
  assert.ok(close(binomialTestTwoSided(530, 1000), bruteForce(530, 1000).two, 1e-9));
  assert.equal(binomialTestGreater(517, 1000).toFixed(3), '0.148');
  assert.equal(binomialTestTwoSided(517, 1000).toFixed(3), '0.297');
  assert.ok(binomialTestGreater(162, 200) <= 1e-8);
  // The paper's Table 1: rows ground truth real / synthetic, columns selected as real / synthetic.
  const answers = [
    ...Array.from({ length: 224 }, () => ({ truth: 'real', answer: 'real' }) as const),
    ...Array.from({ length: 276 }, () => ({ truth: 'real', answer: 'refined' }) as const),
    ...Array.from({ length: 207 }, () => ({ truth: 'refined', answer: 'real' }) as const),
    ...Array.from({ length: 293 }, () => ({ truth: 'refined', answer: 'refined' }) as const),
  ];
  const s = turingStats(answers);
  assert.deepEqual(s.confusion, { real: { real: 224, refined: 276 }, refined: { real: 207, refined: 293 } });
  assert.equal(s.n, 1000);
  assert.equal(s.correct, 517);
  assert.equal(s.accuracy, 0.517);
  assert.equal(s.pOneSided.toFixed(3), '0.148');
  assert.ok(Number.isNaN(turingStats([]).accuracy));
  assert.equal(turingStats([]).pTwoSided, 1);
});

// ---------- the image set ----------

test('the plan: exactly half of each class, seeded order, opaque ids; odd counts refused', () => {
  const a = turingPlan(20, 7);
  assert.equal(a.filter((s) => s.truth === 'real').length, 10);
  assert.equal(a.filter((s) => s.truth === 'refined').length, 10);
  for (const t of ['real', 'refined']) assert.deepEqual(a.filter((s) => s.truth === t).map((s) => s.index).sort((x, y) => x - y), [...Array(10).keys()]);
  assert.deepEqual(a.map((s) => s.id), Array.from({ length: 20 }, (_, i) => `img-${String(i + 1).padStart(2, '0')}`), 'ids number the presentation order');
  assert.deepEqual(turingPlan(20, 7), a, 'same seed, same order');
  const truths = (seed: number) => turingPlan(20, seed).map((s) => s.truth).join();
  assert.notEqual(truths(8), truths(7), 'another seed, another order');
  assert.notEqual(truths(7), [...Array(10).fill('real'), ...Array(10).fill('refined')].join(), 'shuffled');
  assert.match(turingPlan(100, 1)[99].id, /^img-100$/);
  assert.match(turingPlan(100, 1)[0].id, /^img-001$/);
  for (const bad of [0, 3, 21, -2, 2.5]) assert.throws(() => turingPlan(bad, 1), /even whole number/);
  assert.equal(turingScale([35, 55, 1]), 4);
  assert.equal(turingScale([16, 16, 1]), 8);
  assert.equal(turingScale([224, 224, 1]), 1);
});

/** Tiny gray images: real ones a dark ramp, refined ones a light ramp; no trained run needed. */
const tinySource: TuringImageSource = async (perClass) => {
  const img = (base: number, i: number) => Float32Array.from({ length: 5 * 7 }, (_, p) => base + 0.01 * ((p + i) % 10));
  return {
    shape: [5, 7, 1],
    real: Array.from({ length: perClass }, (_, i) => img(-0.8, i)),
    refined: Array.from({ length: perClass }, (_, i) => img(0.5, i)),
    sources: { real: 'tiny real', refined: 'tiny refined' },
  };
};

// ---------- the answers file ----------

test('answers file: one line per answer, a torn last line ignored and repaired; session parameters checked', () => {
  const file = path.join(tmp, 'torn', 'answers.jsonl');
  const a: TuringAnswer = { id: 'img-01', truth: 'real', answer: 'refined', ms: 900, at: new Date(0).toISOString() };
  appendAnswer(file, a);
  appendAnswer(file, { ...a, id: 'img-02' });
  appendFileSync(file, '{"id":"img-03","tru'); // a crash in the middle of a write
  assert.deepEqual(readAnswers(file).map((x) => x.id), ['img-01', 'img-02']);
  assert.equal(repairAnswersFile(file), '{"id":"img-03","tru'.length);
  appendAnswer(file, { ...a, id: 'img-04' });
  assert.deepEqual(readAnswers(file).map((x) => x.id), ['img-01', 'img-02', 'img-04'], 'the next answer is not glued to the fragment');
  writeFileSync(file, '{"id":"img-01"}\n{"id":"img-02","truth":"real","answer":"real","at":"x"}\n');
  assert.throws(() => readAnswers(file), /line 1 is not an answer/);

  const stored = { count: 20, seed: 3, step: 70 };
  assert.deepEqual(resolveSessionParams(undefined, {}, 70, 'D'), { count: 20, seed: 1, step: 70 }, 'defaults');
  assert.deepEqual(resolveSessionParams(stored, {}, 70, 'D'), stored, 'a plain restart continues the stored test');
  assert.deepEqual(resolveSessionParams(stored, { count: 20, seed: 3 }, 70, 'D'), stored);
  assert.throws(() => resolveSessionParams(stored, { count: 40 }, 70, 'D'), /D holds a test with --count 20 --seed 3; this start asks for --count 40 --seed 3.*move D aside/);
  assert.throws(() => resolveSessionParams(stored, { seed: 4 }, 70, 'D'), /--seed 4/);
  assert.throws(() => resolveSessionParams(stored, {}, 100, 'D'), /refiner at step 70; the run's latest checkpoint is step 100/);
});

// ---------- the server ----------

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A raw HTTP request (fetch cannot set Host or send a body without Content-Type). */
function request(url: string, o: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const postAnswer = (base: string, body: unknown, type = 'application/json') =>
  request(`${base}api/answers`, { method: 'POST', headers: { 'Content-Type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });

test('server: 127.0.0.1 only; page, session without truth, PNG images, answers, summary and every 4xx', async () => {
  const session = await buildTuringSession(tinySource, { count: 6, seed: 3 });
  const answersFile = path.join(tmp, 'server', 'turing', 'answers.jsonl');
  const srv: TuringServer = await startTuringServer({ session, answersFile });
  try {
    const addr = srv.server.address() as net.AddressInfo;
    assert.equal(addr.address, '127.0.0.1');
    assert.equal(srv.url, `http://127.0.0.1:${addr.port}/`);
    const base = srv.url;

    const page = await request(base);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    const html = page.body.toString('utf8');
    for (const id of ['turing-image', 'answer-real', 'answer-refined', 'progress', 'summary']) assert.match(html, new RegExp(`id="${id}"`), id);
    assert.match(html, /<section id="summary" hidden>/, 'the summary is hidden until the end');
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external resources');

    const s = await request(`${base}api/session`);
    assert.equal(s.status, 200);
    assert.deepEqual(s.json(), { items: session.items.map((it) => ({ id: it.id, answered: false })), remaining: 6 });
    assert.doesNotMatch(s.body.toString('utf8'), /truth|real|refined/, 'no class information');

    const img = await request(`${base}images/${session.items[0].id}.png`);
    assert.equal(img.status, 200);
    assert.equal(img.headers['content-type'], 'image/png');
    assert.deepEqual([...img.body.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const meta = await sharp(img.body).metadata();
    assert.deepEqual([meta.width, meta.height], [7 * 8, 5 * 8], 'nearest-neighbour ×8 for a 5×7 image');

    // ---- every rejection, each with a JSON error naming the problem ----
    const id0 = session.items[0].id;
    const cases: Array<[string, Promise<Reply>, number, RegExp]> = [
      ['invalid JSON', postAnswer(base, '{"id": '), 400, /not valid JSON/],
      ['not an object', postAnswer(base, '[1]'), 400, /JSON object/],
      ['missing id', postAnswer(base, { answer: 'real' }), 400, /missing "id"/],
      ['unknown id', postAnswer(base, { id: 'img-99', answer: 'real' }), 404, /no image "img-99"/],
      ['bad answer', postAnswer(base, { id: id0, answer: 'fake' }), 400, /"answer" "fake" is not allowed: use "real" or "refined"/],
      ['missing answer', postAnswer(base, { id: id0 }), 400, /"answer" null/],
      ['bad ms', postAnswer(base, { id: id0, answer: 'real', ms: -5 }), 400, /"ms" -5/],
      ['body too large', postAnswer(base, { id: id0, answer: 'real', pad: 'x'.repeat(MAX_BODY_BYTES) }), 413, /over 4096 bytes/],
      ['wrong Content-Type', postAnswer(base, { id: id0, answer: 'real' }, 'text/plain'), 415, /Content-Type "text\/plain".*application\/json/],
      ['wrong method', request(`${base}api/answers`, { method: 'GET' }), 405, /GET \/api\/answers is not allowed: use POST/],
      ['POST to a GET route', request(`${base}api/session`, { method: 'POST' }), 405, /use GET, HEAD/],
      ['preflight', request(`${base}api/answers`, { method: 'OPTIONS' }), 405, /not allowed/],
      ['unknown path', request(`${base}nope`), 404, /no such path \/nope/],
      ['unknown image', request(`${base}images/img-99.png`), 404, /no image "img-99"/],
      ['foreign Host', request(base, { headers: { Host: `evil.example:${addr.port}` } }), 403, /Host "evil\.example:\d+" is not this server/],
    ];
    for (const [name, reply, status, message] of cases) {
      const r = await reply;
      assert.equal(r.status, status, `${name}: ${r.body}`);
      assert.match(r.json().error, message, name);
    }
    assert.equal((await request(`${base}api/session`, { method: 'POST' })).headers.allow, 'GET, HEAD');
    assert.ok(!existsSync(answersFile), 'no rejected request wrote an answer');

    // ---- before the end the summary says nothing about right or wrong ----
    assert.equal((await postAnswer(base, { id: id0, answer: 'real', ms: 1234.4 })).json().remaining, 5);
    const early = await request(`${base}api/summary`);
    assert.deepEqual(early.json(), { complete: false, answered: 1, remaining: 5 });
    const again = await postAnswer(base, { id: id0, answer: 'refined' });
    assert.equal(again.status, 409);
    assert.match(again.json().error, /already answered/);

    // ---- answer the rest "real": the table has every real image right and every refined one wrong ----
    for (const it of session.items.slice(1)) {
      const r = await postAnswer(base, { id: it.id, answer: 'real' });
      assert.equal(r.status, 200, String(r.body));
      assert.equal(r.json().ok, true);
    }
    const done = (await request(`${base}api/summary`)).json();
    assert.equal(done.complete, true);
    assert.deepEqual(done.confusion, { real: { real: 3, refined: 0 }, refined: { real: 3, refined: 0 } });
    assert.equal(done.n, 6);
    assert.equal(done.correct, 3);
    assert.equal(done.accuracy, 0.5);
    assert.equal(done.pTwoSided, 1);
    assert.deepEqual(done.items.map((a: TuringAnswer) => [a.id, a.truth]), session.items.map((it) => [it.id, it.truth]));
    assert.match(done.html, /<table id="confusion"[\s\S]*selected as real[\s\S]*selected as refined[\s\S]*ground truth real[\s\S]*ground truth refined/);
    assert.match(done.html, /id="accuracy">Accuracy: 50\.0%/);
    assert.match(done.html, /id="pvalue">p = 1\.000/);
    assert.match(done.html, /Total correct: 3 of 6 \(50\.0%\)/);

    const lines = readFileSync(answersFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 6, 'one line per accepted answer');
    assert.deepEqual(lines[0], { id: id0, truth: session.items[0].truth, answer: 'real', ms: 1234, at: lines[0].at });
    assert.ok(!Number.isNaN(Date.parse(lines[0].at)));
  } finally {
    await srv.close();
  }
  // A new server on the same file continues: everything is answered.
  const again = await startTuringServer({ session, answersFile });
  try {
    assert.deepEqual((await request(`${again.url}api/session`)).json().remaining, 0);
  } finally {
    await again.close();
  }
});

// ---------- the command, in child processes ----------

/** `simgan turing …` as a child process, resolved once it prints its URL. */
function startCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'turing', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no URL after 60 s:\n${out}\n${err}`)); }, 60000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1] }); }
    });
    child.stderr!.on('data', (d) => { err += d; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`simgan turing exited with ${code}:\n${out}\n${err}`)); });
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

test('simgan turing on a tiny run: SIGKILL after answers loses none, a restart skips them; bad starts exit 2', async () => {
  await selectBackend('wasm', { log: false });
  const run = path.join(tmp, 'run');
  const config = resolveConfig('toy', ['schedule.refinerPretrainSteps=2', 'schedule.discriminatorPretrainSteps=1', 'schedule.steps=1', 'batchSize=8']);
  (await train({ config, runDir: run, log: () => undefined })).trainer.dispose();

  const first = await startCli([run, '--port', '0', '--count', '6', '--seed', '5']);
  const items = (await request(`${first.url}api/session`)).json().items as Array<{ id: string }>;
  assert.equal(items.length, 6);
  for (const it of items.slice(0, 2)) assert.equal((await postAnswer(first.url, { id: it.id, answer: 'refined' })).status, 200);
  const killed = exited(first.child);
  first.child.kill('SIGKILL');
  await killed;
  const paths = turingPaths(run);
  assert.deepEqual(readAnswers(paths.answers).map((a) => a.id), items.slice(0, 2).map((it) => it.id), 'both acknowledged answers survived SIGKILL');
  assert.deepEqual(JSON.parse(readFileSync(paths.session, 'utf8')).count, 6);

  // Other parameters would mix two image sets: refused with status 2 before anything is served.
  const refused = spawnSync(process.execPath, [cli, 'turing', run, '--count', '8'], { encoding: 'utf8', timeout: 60000 });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /holds a test with --count 6 --seed 5; this start asks for --count 8/);

  // A plain restart continues the stored test: the same images, the two answers kept and not asked again.
  const second = await startCli([run]);
  try {
    const s = (await request(`${second.url}api/session`)).json();
    assert.deepEqual(s.items.map((i: { id: string }) => i.id), items.map((i) => i.id));
    assert.deepEqual(s.items.filter((i: { answered: boolean }) => i.answered).map((i: { id: string }) => i.id), items.slice(0, 2).map((it) => it.id));
    assert.equal(s.remaining, 4);
    assert.equal((await postAnswer(second.url, { id: items[0].id, answer: 'real' })).status, 409);
    assert.equal((await postAnswer(second.url, { id: items[2].id, answer: 'real' })).status, 200);
    assert.equal(readAnswers(paths.answers).length, 3);
    assert.match(turingSummaryHtml(run), /3 of 6 images answered \(unfinished\)[\s\S]*id="confusion"/);
  } finally {
    const code = exited(second.child);
    second.child.kill('SIGTERM');
    assert.equal(await code, 0, 'SIGTERM closes the server and exits 0');
  }

  for (const [args, message] of [
    [[path.join(tmp, 'no-such-run')], /is not a run directory \(no config\.json\)/],
    [[run, '--count', '3'], /--count 3: give an even number/],
    [[run, '--port', '70000'], /--port 70000/],
    [[], /turing needs one RUN_DIR/],
  ] as const) {
    const r = spawnSync(process.execPath, [cli, 'turing', ...args], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
