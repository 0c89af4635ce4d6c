// What a finished training run's results page reads (GET …/snorkel/jobs/{job_id}/summary and …/rows): computed by
// the server over every results row (edge-api/training/train-summary.ts), read by the studio (web/src/results/RunResults.tsx).
import { z } from 'zod';

/** Bars of a confidence histogram: equal bins over [1/k, 1], the same on the server and in the browser. */
export const HISTOGRAM_BINS = 20;

export const ResultsSummary = z.object({
  rows: z.number().int(),
  label_counts: z.array(z.number().int()).describe('Rows per predicted class in class order, then the rows left without a label (-1)'),
  abstained: z.number().int(),
  uncovered: z.number().int().nullable().describe('Of the abstained rows, those no LF voted on (n_votes 0); null for runs from before n_votes'),
  histogram: z.object({ lo: z.number(), counts: z.array(z.number().int()) }).nullable()
    .describe('Confidence of every labelled row in equal bins over [1/k, 1]; null for hard labels'),
  gold: z.object({
    rows: z.number().int(), accuracy: z.number().nullable(), f1_macro: z.number().nullable(),
    confusion: z.array(z.array(z.number().int())).describe('confusion[gold][predicted]; the last column counts unlabelled rows'),
  }).nullable().describe("Against the concept's gold labels; they are training rows too, so this is not a held-out estimate"),
  lfs: z.array(z.object({
    name: z.string(), lf_id: z.string(), coverage: z.number(), overlaps: z.number(), conflicts: z.number(),
    empirical_accuracy: z.number().nullable(), learned_accuracy: z.number().nullable(),
  })).describe("Each LF's coverage and empirical accuracy on gold beside the label model's learned accuracy (Snorkel's get_weights)"),
});
export type ResultsSummary = z.infer<typeof ResultsSummary>;

/** Which rows a page lists: all, low-confidence ones, those contradicting a gold label, or those majority vote labels otherwise. */
export const RowFilter = z.enum(['all', 'low_confidence', 'contradicts_gold', 'disagrees_with_majority_vote']);
export type RowFilter = z.infer<typeof RowFilter>;

export const ResultRows = z.object({
  total: z.number().int().describe('Rows the filter keeps'), offset: z.number().int(), limit: z.number().int(),
  columns: z.array(z.string()), rows: z.array(z.record(z.string(), z.unknown())),
});
export type ResultRows = z.infer<typeof ResultRows>;
