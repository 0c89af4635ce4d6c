// The LF analysis a browser run keeps (TrainAnalysis), from shared/analysis's: counted by the train worker from the
// label matrix, or taken by the data worker from its incremental cache (the same counts, lf-session.test.ts).
import type { LabelMatrixAnalysis } from '../../../shared/analysis/analyze.ts';
import type { TrainAnalysis } from './train-protocol.ts';

/** Empirical accuracies only when some row has a gold label, as the server's analysis reports them. */
export function trainAnalysisOf(a: LabelMatrixAnalysis, withGold: boolean): TrainAnalysis {
  return {
    coverage: a.coverage, overlap: a.overlap, conflict: a.conflict,
    lfs: a.lfs.map((s) => ({
      coverage: s.coverage, overlaps: s.overlaps, conflicts: s.conflicts, polarity: s.polarity,
      ...(withGold && s.empiricalAccuracy !== undefined ? { empirical_accuracy: s.empiricalAccuracy } : {}),
    })),
  };
}
