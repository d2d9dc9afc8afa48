/** Sweep rows → per-setting summaries over training seeds, for plots and generated findings. */
import { summarize, Summary } from '../eval/stats';
import type { SweepRow } from './sweep';

/** Settings of `key` in first-seen order, and for each the summary of `metric` over its runs (seeds). */
export function aggregateBy(
  rows: SweepRow[],
  key: string,
  metric: string,
  order?: string[],
  bounds: [number, number] = [-Infinity, Infinity],
): { settings: string[]; summaries: Array<Summary | undefined> } {
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const setting = r.overrides[key];
    const v = r.metrics[metric];
    if (setting === undefined || typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (!groups.has(setting)) groups.set(setting, []);
    groups.get(setting)!.push(v);
  }
  const settings = order ?? [...groups.keys()];
  return { settings, summaries: settings.map((s) => (groups.get(s)?.length ? summarize(groups.get(s)!, bounds) : undefined)) };
}

/** All values of `metric` over rows (any setting). */
export function metricValues(rows: SweepRow[], metric: string): number[] {
  return rows.map((r) => r.metrics[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}
