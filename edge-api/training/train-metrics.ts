// What a finished training run reports (runs.metrics): the run's own numbers, read by the results pages, the run
// history, MLflow and the comparison of two runs.
import type { FitReport } from './train-fit.ts';
import type { LfProblem } from './train-votes.ts';

export interface TrainMetrics {
  rows: number;
  coverage: number;
  overlap: number;
  conflict: number;
  lfs: { name: string; lf_id: string; version: number; coverage: number; overlaps: number; conflicts: number; polarity: number[]; empirical_accuracy?: number }[];
  /** Rows per class; rows labeled -1 are not in it. */
  label_distribution: Record<string, number>;
  /** Rows labeled -1: ties left unlabeled plus `uncovered`. */
  abstained: number;
  /** Rows no LF voted on (n_votes 0, labeled -1). Absent from runs made before results had n_votes. */
  uncovered?: number;
  avg_confidence: number | null;
  fit: FitReport;
  lf_problems: LfProblem[];
  /** What the results page must say about these labels (e.g. that they ignore a class the gold labels have). */
  warnings: string[];
  duration_s: number;
  artifacts: { results_prefix: string; parts: { key: string; rows: number }[]; votes_prefix: string };
}
