// Scores as Snorkel's Scorer / WRENCH compute them: coverage over all rows; every other metric only on rows with a
// gold label, and, unless told that abstained predictions count as wrong, with a prediction that is not -1. F1
// follows sklearn (binary: positive class 1; macro: mean over the classes present in gold or predictions).

export interface Scores {
  accuracy: number;
  /** null when k > 2 (Snorkel refuses binary F1 for multiclass). */
  f1_binary: number | null;
  f1_macro: number;
  /** Mean recall over the classes in the gold labels: a labeler that ignores a class cannot score well. */
  balanced_accuracy: number;
  coverage: number;
}

export type MetricName = 'accuracy' | 'f1_binary' | 'f1_macro' | 'balanced_accuracy';
export const METRIC_NAMES: readonly MetricName[] = ['balanced_accuracy', 'accuracy', 'f1_binary', 'f1_macro'];

/**
 * What a prediction of -1 (a tie under `abstain`, or a row no LF voted on) counts as against a gold label:
 * `ignored`, as Snorkel's Scorer and WRENCH score (auto's dev scores, the CLI, a run's dev figures), or `wrong`,
 * as a results page scores its gold rows (a row left without a label is a row the labels got wrong).
 */
export type AbstainedPredictions = 'ignored' | 'wrong';

export function scorePredictions(preds: Int32Array, gold: Int32Array, k: number, abstained: AbstainedPredictions = 'ignored'): Scores {
  const counts = new MetricCounts(k, abstained);
  let covered = 0;
  for (let i = 0; i < preds.length; i++) {
    if (preds[i] !== -1) covered++;
    counts.add(preds[i], gold[i]);
  }
  return { ...counts.scores(), coverage: preds.length === 0 ? 0 : covered / preds.length };
}

/**
 * The counts accuracy and F1 are computed from. They add up row by row, so a bootstrap can score a resample
 * by counting its drawn rows, without building the resampled arrays.
 */
export class MetricCounts {
  private readonly k: number;
  private readonly abstained: AbstainedPredictions;
  private readonly tp: Float64Array;
  private readonly predicted: Float64Array;
  private readonly actual: Float64Array;
  private scored = 0;
  private correct = 0;

  constructor(k: number, abstained: AbstainedPredictions) {
    this.k = k;
    this.abstained = abstained;
    this.tp = new Float64Array(k);
    this.predicted = new Float64Array(k);
    this.actual = new Float64Array(k);
  }

  /** `rows` rows predicted `pred` with gold label `gold`; none counts where gold is -1, nor where pred is -1 and ignored. */
  add(pred: number, gold: number, rows = 1): void {
    if (gold === -1 || (pred === -1 && this.abstained === 'ignored')) return;
    this.scored += rows;
    this.actual[gold] += rows;
    if (pred === -1) return;
    this.predicted[pred] += rows;
    if (pred === gold) {
      this.correct += rows;
      this.tp[pred] += rows;
    }
  }

  /** Rows counted so far. */
  get rows(): number {
    return this.scored;
  }

  reset(): void {
    this.tp.fill(0);
    this.predicted.fill(0);
    this.actual.fill(0);
    this.scored = 0;
    this.correct = 0;
  }

  scores(): Omit<Scores, 'coverage'> {
    const { k, tp, predicted, actual } = this;
    let f1Sum = 0;
    let present = 0;
    let recallSum = 0;
    let goldClasses = 0;
    for (let y = 0; y < k; y++) {
      if (actual[y] > 0) {
        goldClasses++;
        recallSum += tp[y] / actual[y];
      }
      if (predicted[y] === 0 && actual[y] === 0) continue;
      present++;
      f1Sum += classF1(tp[y], predicted[y], actual[y]);
    }
    return {
      accuracy: this.scored === 0 ? 0 : this.correct / this.scored,
      f1_binary: k === 2 ? classF1(tp[1], predicted[1], actual[1]) : null,
      f1_macro: present === 0 ? 0 : f1Sum / present,
      balanced_accuracy: goldClasses === 0 ? 0 : recallSum / goldClasses,
    };
  }

  value(metric: MetricName): number {
    return metricValue(this.scores(), metric);
  }
}

/**
 * Accuracy and macro F1 from a confusion matrix: confusion[gold][predicted], k rows of k + 1 columns, the last
 * counting the rows predicted -1. Both are null when no row counts.
 */
export function scoreConfusion(confusion: number[][], abstained: AbstainedPredictions): { accuracy: number | null; f1_macro: number | null } {
  const k = confusion.length;
  const counts = new MetricCounts(k, abstained);
  confusion.forEach((row, gold) => { row.forEach((rows, pred) => { counts.add(pred === k ? -1 : pred, gold, rows); }); });
  if (counts.rows === 0) return { accuracy: null, f1_macro: null };
  const { accuracy, f1_macro } = counts.scores();
  return { accuracy, f1_macro };
}

function classF1(tp: number, predicted: number, actual: number): number {
  // sklearn's zero_division=0: an undefined precision or recall makes F1 0.
  return predicted + actual === 0 ? 0 : (2 * tp) / (predicted + actual);
}

export function metricValue(scores: Omit<Scores, 'coverage'>, metric: MetricName): number {
  if (metric === 'f1_binary') return scores.f1_binary ?? scores.f1_macro;
  return scores[metric];
}


/**
 * The warning a results page shows when the labels ignore a class: one class predicted for at least 99% of the
 * labelled rows while the gold labels give another at least 5%. `predicted` and `gold` count rows per class.
 */
export function oneClassWarning(predicted: ArrayLike<number>, gold: ArrayLike<number>, classes: readonly string[]): string | undefined {
  const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);
  const labelled = sum(predicted);
  const golden = sum(gold);
  if (labelled === 0 || golden === 0) return undefined;
  const top = Array.from(predicted).findIndex((x) => x >= 0.99 * labelled);
  if (top < 0) return undefined;
  const missed = Array.from(gold).findIndex((x, y) => y !== top && x >= 0.05 * golden);
  if (missed < 0) return undefined;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return `The labels are ${pct(predicted[top]! / labelled)} ${classes[top] ?? top}, while ${pct(gold[missed]! / golden)} of the gold labels are ${classes[missed] ?? missed}: this labeler all but ignores ${classes[missed] ?? missed}. Add LFs that vote ${classes[missed] ?? missed}, or try another model.`;
}
