/**
 * `simgan reproduce` (`npm run reproduce`): the main job. Runs the budget's sweeps with their progress on
 * the console (finished runs are reused, so a rerun picks up where it stopped), then executes every
 * notebook — which reload those runs — saving the executed copies, and says where to look.
 */
import * as path from 'node:path';
import { runAblation } from '../ablations';
import { budget } from '../budget';
import { datasetCatalog } from '../data/catalog';
import { projectRoot } from '../paths';
import { runSweep } from '../runs/sweep';
import { formatDuration } from '../util/progress';
import { formatFailure, runNotebooks } from '../notebooks/runner';

export async function reproduceCommand(): Promise<number> {
  const t0 = Date.now();
  const b = budget();
  console.log(`[reproduce] budget ${b.name} (SIMGAN_BUDGET); digits: ${b.digits.seeds} seeds, λ ∈ {${b.digits.lambdas.join(', ')}}`);
  for (const which of ['history', 'loss', 'lambda'] as const) {
    console.log(`[reproduce] ablation: ${which}`);
    await runAblation(b, which, { log: (l) => console.log(l) });
  }
  if (datasetCatalog().find((d) => d.name === 'mpiigaze-official')?.present) {
    console.log('[reproduce] labelled real eyes found: the eye experiment');
    await runSweep({ preset: b.eyes.preset, grid: {}, seeds: b.eyes.seeds, fixed: b.eyes.fixed, eval: b.eyes.eval }, { out: path.join(projectRoot, 'runs', `eyes-${b.name}`), jobs: b.jobs });
  } else {
    console.log('[reproduce] no labelled real eyes (official MPIIGaze): the eye downstream test is skipped; see data/README.md');
  }
  const outDir = path.join(projectRoot, 'notebooks', 'executed');
  const results = await runNotebooks({ outDir });
  const failed = results.find((r) => !r.ok);
  if (failed) {
    console.error(formatFailure(failed));
    return 1;
  }
  console.log(`[reproduce] done in ${formatDuration((Date.now() - t0) / 1000)}. Executed notebooks: ${outDir} (open them with npm run lab, or JUPYTER_PATH=$PWD/.jupyter jupyter notebook notebooks/executed); runs and their eval.json: ${path.join(projectRoot, 'runs', `ablations-${b.name}`)}`);
  return 0;
}
