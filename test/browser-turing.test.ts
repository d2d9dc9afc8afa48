/**
 * The visual Turing test page as a subject uses it: `simgan turing` on a tiny trained run, opened in Chromium,
 * answered with the buttons and the keyboard (with a reload half-way), then the stored answers and the
 * summary the page shows are checked against each other. Leaves screenshots in test-artifacts/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../src/backend';
import { resolveConfig } from '../src/config';
import { projectRoot } from '../src/paths';
import { train } from '../src/train/train';
import { readAnswers, turingPaths } from '../src/turing/answers';
import { turingStats } from '../src/turing/stats';
import { artifactPath, launchBrowser } from './browser';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const COUNT = 6;

/** `simgan turing RUN --port 0`, resolved with its URL once it prints it. */
function startTuring(run: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'turing', run, '--port', '0', '--count', String(COUNT), '--seed', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no URL after 60 s:\n${out}`)); }, 60000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1] }); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`simgan turing exited with ${code}:\n${out}`)); });
  });
}

test('the Turing test page: answered in Chromium, stored as given, summarised like the paper', { timeout: 180000 }, async () => {
  await selectBackend('wasm', { log: false });
  const run = path.join(mkdtempSync(path.join(os.tmpdir(), 'simgan-turing-browser-')), 'run');
  const config = resolveConfig('toy', ['schedule.refinerPretrainSteps=2', 'schedule.discriminatorPretrainSteps=1', 'schedule.steps=2', 'batchSize=8']);
  (await train({ config, runDir: run, log: () => undefined })).trainer.dispose();

  const server = await startTuring(run);
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
    // Waits for the image to load (the buttons are enabled only then) before each answer.
    const answer = async (how: 'click-real' | 'click-refined' | 'key-r' | 'key-f') => {
      await page.waitForSelector('#answer-real:not([disabled])');
      if (how === 'click-real') await page.click('#answer-real');
      else if (how === 'click-refined') await page.click('#answer-refined');
      else await page.keyboard.press(how === 'key-r' ? 'r' : 'f');
    };
    await page.waitForFunction(() => document.querySelector('#progress')?.textContent === `1 of ${6}`);
    const imgSize = await page.$eval('#turing-image', (i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight]);
    assert.ok(imgSize[0] >= 64 && imgSize[1] >= 64, `image too small to judge: ${imgSize}`);
    await page.screenshot({ path: artifactPath('turing-question.png') });

    const given = ['click-real', 'key-f', 'click-refined'] as const;
    for (const how of given) await answer(how);
    await page.waitForFunction(() => document.querySelector('#progress')?.textContent === '4 of 6');
    assert.equal(readAnswers(turingPaths(run).answers).length, 3, 'each answer is stored as it is given');

    // A reload continues where the subject was: answered images are not shown again.
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#progress')?.textContent === '4 of 6');
    for (const how of ['key-r', 'click-real', 'click-refined'] as const) await answer(how);

    await page.waitForSelector('#summary:not([hidden])');
    const stored = readAnswers(turingPaths(run).answers);
    assert.equal(stored.length, COUNT);
    assert.deepEqual(stored.map((a) => a.answer), ['real', 'refined', 'refined', 'real', 'real', 'refined']);
    assert.equal(new Set(stored.map((a) => a.id)).size, COUNT, 'no image asked twice');
    assert.deepEqual(stored.map((a) => a.truth).sort(), ['real', 'real', 'real', 'refined', 'refined', 'refined']);

    // The page's table is the stored answers' confusion table.
    const s = turingStats(stored);
    const cells = await page.$$eval('#confusion tbody tr', (rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).map((td) => Number(td.textContent))));
    assert.deepEqual(cells, [[s.confusion.real.real, s.confusion.real.refined], [s.confusion.refined.real, s.confusion.refined.refined]]);
    assert.match(await page.textContent('#total-correct') ?? '', new RegExp(`Total correct: ${s.correct} of ${COUNT}`));
    assert.match(await page.textContent('#pvalue') ?? '', /p = \d\.\d{3}/);
    assert.deepEqual(pageErrors, []);
    await page.screenshot({ path: artifactPath('turing-summary.png') });
  } finally {
    await browser.close();
    server.child.kill('SIGTERM');
  }
});
