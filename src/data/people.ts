/**
 * Which people a dataset holds, for sources whose labels carry a `person` component (Columbia Gaze): the
 * eye experiment's rule is that no person is on both sides of a train/test split, and these are the checks
 * that enforce it wherever data is assembled (SimGAN's domains, the estimators' training sets).
 */

/** The distinct people of a dataset whose labels carry a 'person' component (sorted); [] when they do not. */
export function peopleOf(ds: { labels?: Float32Array[]; labelNames?: string[] }): number[] {
  const k = ds.labelNames?.indexOf('person') ?? -1;
  if (k < 0 || !ds.labels) return [];
  return [...new Set(ds.labels.map((l) => l[k]))].sort((a, b) => a - b);
}

/** Throws naming the people in both lists (e.g. a training set and a test set), else returns. */
export function assertDisjointPeople(a: readonly number[], b: readonly number[], names: [string, string] = ['first', 'second']): void {
  const inB = new Set(b);
  const both = [...new Set(a)].filter((p) => inB.has(p)).sort((x, y) => x - y);
  if (both.length) {
    throw new Error(`the ${names[0]} and ${names[1]} sets share ${both.length === 1 ? 'person' : 'people'} ${both.join(', ')}: split by person, never the same person on both sides`);
  }
}
