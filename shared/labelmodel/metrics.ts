// Scores as Snorkel's Scorer / WRENCH compute them: coverage over all rows; every other metric only on
// rows where both gold and prediction are not -1. F1 follows sklearn (binary: positive class 1; macro:
// mean over the classes present in gold or predictions).

export interface Scores {
  accuracy: number;
  /** null when k > 2 (Snorkel refuses binary F1 for multiclass). */
  f1_binary: number | null;
  f1_macro: number;
  coverage: number;
}

export type MetricName = 'accuracy' | 'f1_binary' | 'f1_macro';
export const METRIC_NAMES: readonly MetricName[] = ['accuracy', 'f1_binary', 'f1_macro'];

export function scorePredictions(preds: Int32Array, gold: Int32Array, k: number): Scores {
  const tp = new Float64Array(k);
  const predicted = new Float64Array(k);
  const actual = new Float64Array(k);
  let covered = 0;
  let scored = 0;
  let correct = 0;
  for (let i = 0; i < preds.length; i++) {
    const p = preds[i];
    if (p !== -1) covered++;
    const g = gold[i];
    if (p === -1 || g === -1) continue;
    scored++;
    predicted[p]++;
    actual[g]++;
    if (p === g) {
      correct++;
      tp[p]++;
    }
  }
  let f1Sum = 0;
  let present = 0;
  for (let y = 0; y < k; y++) {
    if (predicted[y] === 0 && actual[y] === 0) continue;
    present++;
    f1Sum += classF1(tp[y], predicted[y], actual[y]);
  }
  return {
    accuracy: scored === 0 ? 0 : correct / scored,
    f1_binary: k === 2 ? classF1(tp[1], predicted[1], actual[1]) : null,
    f1_macro: present === 0 ? 0 : f1Sum / present,
    coverage: preds.length === 0 ? 0 : covered / preds.length,
  };
}

function classF1(tp: number, predicted: number, actual: number): number {
  // sklearn's zero_division=0: an undefined precision or recall makes F1 0.
  return predicted + actual === 0 ? 0 : (2 * tp) / (predicted + actual);
}

export function metricValue(scores: Scores, metric: MetricName): number {
  if (metric === 'f1_binary') return scores.f1_binary ?? scores.f1_macro;
  return scores[metric];
}

