// The labels a training writes to its results, the same in the browser and on the server (issue 11): a row no LF
// voted on (n_votes 0) is predicted_label -1, whatever the tie policy. The model still answers its class prior
// there, and that stays in prob_class_i and confidence, but a prior is not evidence about the row, so no export
// or count may pass it off as a label. -1 is also what a tie under `abstain` gives: one mark for "no label",
// told apart by n_votes.
import { ABSTAIN, type LabelArray } from './matrix.ts';
import { probsToPreds, type TieOptions, type TiePolicy } from './predictions.ts';

/** Per row of an n×m label matrix, how many LFs voted (did not abstain): the results' n_votes column. */
export function votesPerRow(L: LabelArray, n: number, m: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let votes = 0;
    for (let j = i * m, end = j + m; j < end; j++) if (L[j] !== ABSTAIN) votes++;
    out[i] = votes;
  }
  return out;
}

/**
 * The results' predicted_label: probsToPreds under `policy` (ties), then -1 on every row with no votes. Ties are
 * broken before uncovered rows are marked, so a covered row's label (and the `random` generator's sequence) is
 * what Snorkel's probs_to_preds gives.
 */
export function resultLabels(probs: Float64Array, k: number, nVotes: ArrayLike<number>, policy: TiePolicy, options: TieOptions = {}): Int32Array {
  const labels = probsToPreds(probs, k, policy, options);
  if (nVotes.length !== labels.length) throw new RangeError(`n_votes has ${nVotes.length} rows, the probabilities ${labels.length}`);
  for (let i = 0; i < labels.length; i++) if (nVotes[i] === 0) labels[i] = ABSTAIN;
  return labels;
}

/** What a results page and a run's metrics report: rows per class, ties left unlabeled, and rows no LF voted on. */
export interface ResultLabelCounts {
  /** Rows labeled y, for y in 0..k-1. */
  perClass: number[];
  /** Rows some LF voted on whose label is -1 (a tie under `abstain`). */
  ties: number;
  /** Rows no LF voted on (n_votes 0, label -1). */
  uncovered: number;
}

/** Counts of labels as resultLabels gives them; `abstained` in a run's metrics is ties + uncovered. */
export function countResultLabels(labels: ArrayLike<number>, nVotes: ArrayLike<number>, k: number): ResultLabelCounts {
  const counts: ResultLabelCounts = { perClass: new Array<number>(k).fill(0), ties: 0, uncovered: 0 };
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (nVotes[i] === 0) counts.uncovered++;
    else if (y === ABSTAIN) counts.ties++;
    else if (Number.isInteger(y) && y >= 0 && y < k) counts.perClass[y]!++;
    else throw new RangeError(`predicted_label ${y} at row ${i} is not -1..${k - 1}`);
  }
  return counts;
}

/** Sums counts of parts of one result (a server run's units). */
export function addResultLabelCounts(a: ResultLabelCounts, b: ResultLabelCounts): ResultLabelCounts {
  return { perClass: a.perClass.map((x, y) => x + (b.perClass[y] ?? 0)), ties: a.ties + b.ties, uncovered: a.uncovered + b.uncovered };
}

/**
 * Rows per predicted class, then at index k the voted rows left unlabeled (-1, a tie), and at index k + 1 the rows
 * no LF voted on (-1): what a browser result shows, counted as a server run counts them.
 */
export function labelDistribution(preds: Int32Array, nVotes: ArrayLike<number>, k: number): number[] {
  const counts = countResultLabels(preds, nVotes, k);
  return [...counts.perClass, counts.ties, counts.uncovered];
}
