/**
 * `simgan reproduce` (`npm run reproduce`): the main job. Runs the budget's sweeps with their progress on
 * the console (finished runs are reused, so a rerun picks up where it stopped), then executes every
 * notebook — which reload those runs — saving the executed copies, and says where to look.
 */
import * as path from 'node:path';
import { Domain, runAblation } from '../ablations';
import { budget } from '../budget';
import { datasetCatalog } from '../data/catalog';
import { projectRoot } from '../paths';
import { formatDuration } from '../util/progress';
import { formatFailure, runNotebooks } from '../notebooks/runner';

export async function reproduceCommand(): Promise<number> {
  const t0 = Date.now();
  const b = budget();
  const eyesPresent = datasetCatalog().filter((d) => d.name.startsWith('columbia-gaze')).every((d) => d.present);
  console.log(
    `[reproduce] budget ${b.name} (SIMGAN_BUDGET); eyes: ${eyesPresent ? `${b.eyes.seeds} seeds, λ ∈ {${b.eyes.lambdas.join(', ')}}` : 'Columbia Gaze crops absent (see data/README.md): skipped'}; ` +
      `digits: ${b.digits.seeds} seeds, λ ∈ {${b.digits.lambdas.join(', ')}}`,
  );
  const domains: Domain[] = eyesPresent ? ['eyes', 'digits'] : ['digits'];
  for (const domain of domains) {
    for (const which of ['history', 'loss', 'lambda'] as const) {
      console.log(`[reproduce] ${domain} ablation: ${which}`);
      await runAblation(b, which, { domain, log: (l) => console.log(l) });
    }
  }
  const outDir = path.join(projectRoot, 'notebooks', 'executed');
  const results = await runNotebooks({ outDir });
  const failed = results.find((r) => !r.ok);
  if (failed) {
    console.error(formatFailure(failed));
    return 1;
  }
  console.log(`[reproduce] done in ${formatDuration((Date.now() - t0) / 1000)}. Executed notebooks: ${outDir} (open them with npm run lab, or JUPYTER_PATH=$PWD/.jupyter jupyter notebook notebooks/executed); runs and their eval.json: ${path.join(projectRoot, 'runs', `ablations-${b.name}`)}/{eyes,digits}`);
  return 0;
}
