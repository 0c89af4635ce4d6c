// A training request: the seed's body of POST /api/concepts/{c_id}/snorkel/run, also what a schedule runs and what
// the studio's Train node sends to the server. One schema, one set of defaults, for the API, the server and the web.
import { z } from 'zod';
import { METRIC_NAMES, type MetricName } from '../labelmodel/metrics.ts';
import { MODEL_CHOICES } from '../labelmodel/models.ts';
import { RunStatus } from './run.ts';

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

/** The results Parquet metadata key a browser training travels in (POST …/snorkel/browser-runs reads it). */
export const BROWSER_TRAINING_KEY = 'reef.browser_training';

/** A training run started (POST …/snorkel/run) or a browser training kept (POST …/snorkel/browser-runs). */
export const TrainStarted = z.object({
  job_id: z.string(),
  run_id: z.string(),
  /** The seed's Dagster field, kept as an alias of run_id. */
  dagster_run_id: z.string(),
  status: RunStatus,
});
export type TrainStarted = z.infer<typeof TrainStarted>;

const Prediction = z.object({
  sample_id: z.unknown(), probs: z.array(z.number()),
  /** -1 where no LF voted (n_votes 0) or a tie abstained. */
  predicted_class: z.number().int(),
  confidence: z.number(),
  /** How many LFs voted on the sample (absent for runs made before results had n_votes). */
  n_votes: z.number().int().optional(),
});

/** A training job (GET …/snorkel/jobs/{job_id}): the seed's shape, read by the studio's results page. */
export const TrainJob = z.object({
  job_id: z.string(),
  run_id: z.string(),
  dagster_run_id: z.string(),
  status: RunStatus,
  /** The seed's names: softmax or hard_labels (a request may say `hard`). */
  output_type: z.enum(['softmax', 'hard_labels']),
  /** Where the model was trained: by the server's workers, or in the browser and uploaded. */
  source: z.enum(['server', 'browser']),
  /** Snorkel's learned LF accuracies, in lineage LF order, for a browser run that trained Snorkel. */
  weights: z.array(z.number()).nullable().optional(),
  /** The run's request (the seed's body): POSTed to /snorkel/run, it trains the same pipeline on the server. */
  request: TrainRequest,
  progress: z.record(z.string(), z.unknown()),
  error: z.unknown().nullable(),
  /** softmax: one object per sample; hard: the predicted class per sample (-1 where no LF voted or a tie abstained). */
  predictions: z.union([z.array(Prediction), z.array(z.number().int())]).optional(),
  /** hard output: the sample keys of `predictions`, in order. */
  sample_ids: z.array(z.unknown()).optional(),
  /** hard output: how many LFs voted on each sample of `predictions`, in order. */
  n_votes: z.array(z.number().int()).optional(),
  summary: z.object({
    total_samples: z.number(), avg_confidence: z.number().nullable(),
    /** Samples per class; samples labeled -1 are counted in `abstained` instead. */
    label_distribution: z.record(z.string(), z.number()),
    /** Samples labeled -1: ties left unlabeled plus `uncovered`. */
    abstained: z.number(),
    /** Samples no LF voted on (absent for runs made before results had n_votes). */
    uncovered: z.number().optional(),
  }).optional(),
  offset: z.number().optional(),
  limit: z.number().optional(),
  /** The run's metrics (edge-api/training/train-metrics.ts TrainMetrics). */
  metrics: z.unknown().optional(),
  results: z.array(z.object({ part: z.number(), url: z.string(), rows: z.number() })).optional(),
});
export type TrainJob = z.infer<typeof TrainJob>;

export const ScheduleName = z.string().regex(/^[\w.-]{1,100}$/, 'a schedule name is 1-100 letters, digits, _ . or -');

/** POST …/snorkel/schedules: run a training request on a cron schedule (creates or replaces the schedule of that name). */
export const TrainScheduleCreate = z.object({
  name: ScheduleName,
  /** Five cron fields, e.g. "0 3 * * *" for 03:00 every day. */
  cron: z.string().min(1).max(200),
  tz: z.string().max(100).default('UTC'),
  /** Also re-run when an index or rule the run uses is re-materialized. */
  on_materialize: z.boolean().default(false),
  run: TrainRequest,
});
/** The body as a client writes it. */
export type TrainScheduleCreateBody = z.input<typeof TrainScheduleCreate>;

/** A training request run on a cron schedule (GET/POST …/snorkel/schedules) and its next three firings. */
export const TrainSchedule = z.object({
  name: z.string(), cron: z.string(), tz: z.string(), on_materialize: z.boolean(), request: z.unknown(), next_runs: z.array(z.string()), last_job_id: z.string().nullable(),
});
export type TrainSchedule = z.infer<typeof TrainSchedule>;
