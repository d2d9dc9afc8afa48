/** `simgan refine RUN_DIR --source S --out DIR`: a run's refiner applied to a source, exported as a dataset. */
import { selectBackend } from '../backend';
import { exportRefined } from '../export/refined-dataset';
import { assertTrainedRun } from '../runs/checkpoint';
import { Progress } from '../util/progress';

export async function refineCommand(runDir: string, o: { source: string; count?: number; seed?: number; out: string }): Promise<number> {
  assertTrainedRun(runDir);
  await selectBackend();
  let progress: Progress | undefined;
  const r = await exportRefined({
    runDir,
    ...o,
    onProgress: (done, total) => {
      progress ??= new Progress({ total, label: '[refine]' });
      progress.update(done, `${done}/${total} images`);
    },
  });
  console.log(
    `refined ${r.count.toLocaleString('en-US')} ${r.source} images (${r.size.width}×${r.size.height}) with ${r.run} at step ${r.step} in ${r.seconds} s → ${r.out}` +
      ` (images/, labels.csv${r.labelNames ? ` [${r.labelNames.join(',')}]` : ''}, refined.bin, info.json)`,
  );
  return 0;
}
