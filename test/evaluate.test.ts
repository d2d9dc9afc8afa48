/** `evaluateRun` and `simgan eval` on short runs of the digit, eye and toy presets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../src/backend';
import { resolveConfig } from '../src/config';
import { columbiaSplit } from '../src/data/columbia-gaze';
import type { ArrayImageDataset } from '../src/data/dataset';
import { peopleOf } from '../src/data/people';
import { loadDomains, loadSource } from '../src/data/registry';
import { evalSeeds, evaluateRun } from '../src/eval/evaluate';
import { gazeDownstream } from '../src/eval/gaze-downstream';
import { projectRoot } from '../src/paths';
import { train } from '../src/train/train';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-eval-'));
const quiet = () => undefined;
const SHORT = ['schedule.refinerPretrainSteps=3', 'schedule.discriminatorPretrainSteps=2', 'schedule.steps=3', 'batchSize=8', 'history.size=64'];
const FAST = { seeds: 2, epochs: 1, syntheticCount: 400, c2stPerSide: 100, c2stEpochs: 2, log: quiet };

async function shortRun(presetName: string, name: string): Promise<string> {
  const dir = path.join(tmp, name);
  const r = await train({ config: resolveConfig(presetName, SHORT), runDir: dir, log: quiet });
  r.trainer.dispose();
  return dir;
}

test('evaluation seeds follow the run seed, so runs differing only in seed are evaluated independently', () => {
  assert.deepEqual(evalSeeds(1, 2), [1001, 1002]);
  assert.equal(new Set([...evalSeeds(1, 3), ...evalSeeds(2, 3)]).size, 6);
});

test('digits: downstream for synthetic/refined/real on the MNIST test split, C2ST and label preservation, each with an interval', async () => {
  await selectBackend('wasm', { log: false });
  const dir = await shortRun('cpu-digits', 'digits');
  const r = await evaluateRun(dir, FAST);
  assert.equal(r.task, 'digits');
  const d = r.downstream as Record<string, { mean: number; low: number; high: number; n: number }>;
  for (const k of ['trainedOnSynthetic', 'trainedOnRefined', 'trainedOnReal']) {
    assert.equal(d[k].n, 2, k);
    assert.ok(d[k].low <= d[k].mean && d[k].mean <= d[k].high && d[k].mean > 0.1 && d[k].mean <= 1, `${k}: ${JSON.stringify(d[k])}`);
  }
  assert.match(String(d.testSet), /mnist-test \(1996 images\)/);
  assert.ok('refined' in r.c2st && 'synthetic' in r.c2st);
  const lp = r.labelPreservation as Record<string, { n: number; mean: number }>;
  assert.equal(lp.onRefined.n, 2);
  assert.ok(lp.onSynthetic.mean > 0.3, 'a synthetic-trained classifier reads held-out synthetic digits');
  const stored = JSON.parse(readFileSync(path.join(dir, 'eval.json'), 'utf8'));
  assert.deepEqual(Object.keys(stored).filter((k) => ['downstream', 'c2st', 'labelPreservation'].includes(k)).sort(), ['c2st', 'downstream', 'labelPreservation']);
  // KID and Fréchet on the real-trained classifier's features: unseen real digits sit far closer to the
  // held-out real ones than raw synthetic digits do (the floor a refiner can reach).
  for (const which of ['kid', 'frechet'] as const) {
    const m = stored[which];
    assert.equal(m.features.layer, 'fc1');
    assert.equal(m.features.dims, 128);
    for (const k of ['synthetic', 'refined', 'realFloor']) assert.ok(m[k].n === (which === 'kid' ? 10 : 5) && Number.isFinite(m[k].mean) && m[k].low <= m[k].high, `${which}.${k}`);
    assert.ok(m.realFloor.mean < m.synthetic.mean / 2, `${which}: floor ${m.realFloor.mean} vs synthetic ${m.synthetic.mean}`);
  }
});

test('eyes without labelled real eyes: downstream says why; C2ST and label preservation are computed', async () => {
  await selectBackend('wasm', { log: false });
  const dir = await shortRun('cpu-eyes', 'eyes');
  const r = await evaluateRun(dir, { ...FAST, seeds: 1 });
  assert.equal(r.task, 'gaze');
  assert.match((r.downstream as { unavailable: string }).unavailable, /no labelled real eyes.*data\/MPIIGaze/);
  const c = r.c2st as { refined: { mean: number }; synthetic: { mean: number }; nPerSide: number };
  assert.equal(c.nPerSide, 100);
  assert.ok(c.synthetic.mean >= 0 && c.synthetic.mean <= 1);
  const lp = r.labelPreservation as Record<string, { mean: number }>;
  assert.ok(Number.isFinite(lp.predictionShiftDeg.mean) && lp.predictionShiftDeg.mean >= 0);
  assert.ok(Number.isFinite(lp.errorOnRefinedDeg.mean));
  assert.match((r.kid as { unavailable: string }).unavailable, /no labelled real training images/);
});

test('columbia-eyes: the Table-2 analogue (1× and 4× synthetic and refined, real, constant) on people no network saw', async () => {
  await selectBackend('wasm', { log: false });
  const config = resolveConfig('columbia-eyes', SHORT);
  // SimGAN's real domain: training people only, and no test person — read from each image's own label.
  const { train: trainPeople, test: testPeople } = columbiaSplit();
  const domains = await loadDomains(config);
  assert.deepEqual(peopleOf(domains.real), trainPeople);
  assert.equal(peopleOf(domains.real).filter((p) => testPeople.includes(p)).length, 0, 'a test person reached SimGAN');
  const dir = await shortRun('columbia-eyes', 'columbia');
  const r = await evaluateRun(dir, { ...FAST, seeds: 1 });
  assert.equal(r.task, 'gaze');
  const d = r.downstream as Record<string, unknown> & { people: { train: number[]; test: number[] }; testSet: string };
  for (const k of ['trainedOnSynthetic', 'trainedOnSynthetic4x', 'trainedOnRefined', 'trainedOnRefined4x', 'trainedOnReal', 'constantPredictor']) {
    const v = d[k] as { meanDeg: { mean: number; n: number }; within7: { mean: number }; within5: { mean: number } };
    assert.ok(v && v.meanDeg.mean > 0 && v.meanDeg.mean < 60, `${k}: ${JSON.stringify(v)}`);
    assert.ok(v.within7.mean >= v.within5.mean && v.within7.mean <= 1, k);
  }
  assert.match(d.testSet, /^columbia-gaze-test \(504 images\)$/);
  // The estimators' training people (the real-trained one's) and the test people: disjoint, as recorded.
  assert.deepEqual(d.people, { train: trainPeople, test: testPeople });
  assert.deepEqual((d.trainSizes as Record<string, number>), { synthetic: 80, synthetic4x: 320, refined: 80, refined4x: 320, real: 1176 });
  assert.ok(Number.isFinite((d.gapClosed as { mean: number }).mean));
  const c = r.c2st as { refined: { mean: number }; realVsReal: { mean: number; n: number }; nPerSide: number };
  assert.equal(c.nPerSide, 100);
  assert.equal(c.realVsReal.n, 1, 'the real-vs-real floor (train people against test people)');
  assert.ok(Number.isFinite((r.labelPreservation as Record<string, { mean: number }>).predictionShiftDeg.mean));
  // KID/Fréchet on a gaze estimator trained on half the training people's images; the other half is the floor.
  const kid = r.kid as unknown as Record<string, { mean: number; n: number }> & { features: { trainedOn: number; network: string } };
  assert.equal(kid.features.trainedOn, 588);
  assert.match(kid.features.network, /^gaze_estimator/);
  for (const k of ['synthetic', 'refined', 'realFloor']) assert.ok(Number.isFinite(kid[k].mean) && Number.isFinite((r.frechet as unknown as Record<string, { mean: number }>)[k].mean), k);
});

test('an estimator never trains on a test person: gazeDownstream refuses sets that share people with the test set', async () => {
  await selectBackend('wasm', { log: false });
  const size = { width: 55, height: 35 };
  const test = (await loadSource('columbia-gaze-test', { size })) as ArrayImageDataset;
  const train = (await loadSource('columbia-gaze', { size })) as ArrayImageDataset;
  const leaked = test.subset([0], 'one test image');
  const run = (real: ArrayImageDataset) =>
    gazeDownstream({ real }, test, { seeds: [1], epochs: 1, log: quiet });
  await assert.rejects(run(leaked), /estimators' training and test 'columbia-gaze-test' sets share person 29: split by person/);
  // The same call with training people only goes through.
  const ok = await run(train.subset(Array.from({ length: 64 }, (_, i) => i)));
  assert.deepEqual(ok.people.test, columbiaSplit().test);
});

test('simgan eval RUN --json on a toy run: parts without task labels are unavailable with a reason', async () => {
  const dir = await shortRun('toy', 'toy');
  const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
  const r = spawnSync(process.execPath, [cli, 'eval', dir, '--json', '--seeds', '1', '--c2st-per-side', '50'], { encoding: 'utf8', timeout: 300000 });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.match(report.downstream.unavailable, /no task labels/);
  assert.match(report.labelPreservation.unavailable, /no task labels/);
  assert.match(report.kid.unavailable, /no task labels/);
  assert.match(report.frechet.unavailable, /no task labels/);
  assert.equal(report.c2st.refined.n, 1);
  assert.ok(existsSync(path.join(dir, 'eval.json')));
  // The refiner check is there, judged against the real domain, with its numbers.
  assert.match(report.refinerCheck.verdict, /^(ok|does-nothing|wipes-out)$/);
  assert.ok(report.refinerCheck.change > 0 && report.refinerCheck.reference.gap > 0, JSON.stringify(report.refinerCheck));
  assert.equal(report.refinerCheck.c2stRefined, report.c2st.refined.mean);
  const bad = spawnSync(process.execPath, [cli, 'eval', path.join(tmp, 'nope')], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /not a run directory/);
});
