/**
 * `simgan sweep-task TASKFILE INDEX`: one array task of a SLURM sweep (the script `simgan sweep --executor
 * slurm` submits runs it with $SLURM_ARRAY_TASK_ID): train then evaluate run INDEX of TASKFILE, exactly as
 * the local pool does. Exits 0 when the run is finished.
 */
import { readSweepTask, runSweepTask } from '../runs/sweep-task';

export async function sweepTaskCommand(taskFile: string, index: number): Promise<number> {
  const task = readSweepTask(taskFile, index);
  console.log(`[sweep-task] ${task.name} → ${task.dir}`);
  const { code, resumed } = await runSweepTask(task);
  console.log(`[sweep-task] ${task.name}${resumed ? ' (resumed)' : ''}: ${code === 0 ? 'finished' : `exit ${code}: see ${task.dir}/train.log and eval.log`}`);
  return code;
}
