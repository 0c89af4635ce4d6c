// A training request: the seed's body of POST /api/concepts/{c_id}/snorkel/run, also what a schedule runs and what
// the studio's Train node sends to the server. One schema, one set of defaults, for the API, the server and the web.
import { z } from 'zod';
import { METRIC_NAMES, type MetricName } from '../labelmodel/metrics.ts';
import { MODEL_CHOICES } from '../labelmodel/models.ts';

/**
 * Defaults of a request that leaves them out: Snorkel's LabelModel with its own defaults, as the seed's requests
 * expect. The studio's Train node starts from these too, except that it offers `auto` first.
 */
export const TRAIN_DEFAULTS = { epochs: 100, lr: 0.01, model: 'snorkel', seed: 0 } as const;

export const TrainRequest = z.object({
  selectedIndex: z.uuid({ message: 'selectedIndex must be an index id (UUID)' }),
  selectedRules: z.array(z.uuid({ message: 'selectedRules holds rule ids (UUIDs)' })).max(100).default([]),
  selectedLFs: z.array(z.uuid({ message: 'selectedLFs holds labeling function ids (UUIDs)' })).min(1, 'select at least one labeling function').max(1000),
  snorkel: z.object({
    epochs: z.number().int().min(0).max(100_000).default(TRAIN_DEFAULTS.epochs),
    lr: z.number().positive().max(10).default(TRAIN_DEFAULTS.lr),
    /** Fit on a seeded sample of this many rows (every row is still predicted); all rows when absent. */
    sample_size: z.number().int().positive().nullable().optional(),
    /** softmax: probabilities per class; hard_labels (the seed's name; `hard` too): the label only. */
    output_type: z.enum(['softmax', 'hard_labels', 'hard']).default('softmax'),
    l2: z.number().min(0).default(0),
    optimizer: z.enum(['sgd', 'adam', 'adamax']).default('sgd'),
  }).default({ epochs: TRAIN_DEFAULTS.epochs, lr: TRAIN_DEFAULTS.lr, output_type: 'softmax', l2: 0, optimizer: 'sgd' }),
  /** snorkel: Snorkel's LabelModel; mv: majority vote; ds: Dawid–Skene; auto: chosen on the gold (dev) labels. */
  model: z.enum(MODEL_CHOICES).default(TRAIN_DEFAULTS.model),
  /** auto: what it maximises on the gold labels; balanced accuracy by default (it sinks a labeler that ignores a class). */
  metric: z.enum(METRIC_NAMES as [MetricName, ...MetricName[]]).optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(TRAIN_DEFAULTS.seed),
  /** Hard labels for tied probabilities: Snorkel's default abstains (-1); hash breaks ties as Snorkel's probs_to_preds. */
  tie_break: z.enum(['abstain', 'hash']).default('abstain'),
  /** The results files' columns: every index column beside the predictions (the seed's), or only the index key. */
  results_columns: z.enum(['index', 'key']).default('index'),
  /** A custom LF that fails (time or memory limit, a throw): fail the run, or let that LF abstain and report it. */
  on_lf_error: z.enum(['fail', 'skip']).default('fail'),
});
export type TrainRequest = z.infer<typeof TrainRequest>;
/** A request as a client writes it (defaults may be left out). */
export type TrainRequestBody = z.input<typeof TrainRequest>;
