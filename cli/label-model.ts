// `reef label-model eval`: fit a label model on a training matrix, score it on a test split the way WRENCH
// and the Snorkel baselines do (every row scored, ties broken by Snorkel's hash), and print one result.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  classBalanceFromLabels,
  computeSufficientStats,
  DEFAULT_AUTO_METRIC,
  fitLabelModel,
  isLabelModelError,
  LR_SCHEDULERS,
  METRIC_NAMES,
  MODEL_CHOICES,
  OPTIMIZERS,
  probsToPreds,
  scorePredictions,
  statsOptionsFor,
  TIE_POLICIES,
  type CandidateSummary,
  type FitRequest,
  type LabelModelFit,
  type LrSchedulerName,
  type MetricName,
  type OptimizerName,
  type Scores,
  type SufficientStats,
  type TiePolicy,
  type TripletAggregate,
} from '../shared/labelmodel/index.ts';
import { readLabelMatrixInput, type LabelMatrixInput, type MatrixInputSource } from './matrix-input.ts';

const MODEL_NAMES = MODEL_CHOICES;
const TRIPLET_AGGREGATES = ['mean', 'median'] as const;
type ModelName = (typeof MODEL_NAMES)[number];

interface EvalOptions {
  matrix?: string;
  train?: string;
  trainLabels?: string;
  valid?: string;
  validLabels?: string;
  test?: string;
  testLabels?: string;
  cardinality?: number;
  model: ModelName;
  epochs: number;
  lr: number;
  l2: number;
  seed: number;
  optimizer: OptimizerName;
  lrScheduler: LrSchedulerName;
  warmupEpochs?: number;
  classBalance?: number[] | 'valid';
  precInit: number;
  tripletAggregate: TripletAggregate;
  tieBreak: TiePolicy;
  metric: MetricName;
  probs?: boolean;
  json?: boolean;
}

export interface EvalResult {
  model: ModelName;
  params: Record<string, unknown>;
  fit_ms: number;
  predict_ms: number;
  test: Scores;
  test_probs?: number[][];
}

/** Exit status for input the user must fix (missing file, bad shape, labels out of range, bad option value). */
export const BAD_INPUT_EXIT = 2;

export function registerLabelModelCommand(program: Command): void {
  const group = program.command('label-model').description('Evaluate label models (majority vote, Snorkel LabelModel, Dawid–Skene, FlyingSquid triplets, auto) on WRENCH-style matrices');
  const evalCommand = group
    .command('eval')
    .description('Fit on the train split, score on the test split (WRENCH scoring: every row, ties by Snorkel\'s hash); prints one result')
    .option('--matrix <file.json>', 'WRENCH-style JSON with L_train, Y_train, L_valid, Y_valid, L_test, Y_test, cardinality')
    .option('--train <L_train.npy>', 'training label matrix (.npy, 2-D integer, -1 = abstain)')
    .option('--train-labels <Y_train.npy>', 'gold labels of the training rows (.npy, 1-D); unused by the fit')
    .option('--valid <L_valid.npy>', 'dev label matrix, used only where a model needs a dev set (auto, --class-balance valid)')
    .option('--valid-labels <Y_valid.npy>', 'dev gold labels (.npy, 1-D)')
    .option('--test <L_test.npy>', 'test label matrix (.npy)')
    .option('--test-labels <Y_test.npy>', 'test gold labels (.npy, 1-D)')
    .option('--cardinality <k>', 'number of classes for .npy input (default: 1 + the largest label seen)', parseInteger(2))
    .addOption(new Option('--model <name>', 'label model').choices(MODEL_NAMES).default('auto'))
    .option('--epochs <n>', 'Snorkel: epochs (one full-batch step each)', parseInteger(0), 100)
    .option('--lr <x>', 'Snorkel: learning rate', parsePositive, 0.01)
    .option('--l2 <x>', 'Snorkel: l2 pull toward the initial mu (and weight decay)', parseNonNegative, 0)
    .option('--seed <n>', 'random seed (Snorkel\'s init scale, random tie-break)', parseInteger(0), 123)
    .addOption(new Option('--optimizer <name>', 'Snorkel: optimizer').choices(OPTIMIZERS).default('sgd'))
    .addOption(new Option('--lr-scheduler <name>', 'Snorkel: learning-rate schedule').choices(LR_SCHEDULERS).default('constant'))
    .option('--warmup-epochs <n>', 'Snorkel: linear warmup from 0 over the first n epochs', parseInteger(1))
    .option('--class-balance <p0,p1,...|valid>', 'Snorkel, fs: class prior, or "valid" for the Y_valid label frequencies (default uniform)', parseClassBalance)
    .option('--prec-init <x>', 'Snorkel: prior LF precision', parseProbability, 0.7)
    .addOption(new Option('--triplet-aggregate <how>', 'fs: combine an LF\'s triplet estimates by their mean or median').choices(TRIPLET_AGGREGATES).default('mean'))
    .addOption(new Option('--tie-break <policy>', 'how tied probabilities become labels (hash = Snorkel/WRENCH deterministic)').choices(TIE_POLICIES).default('hash'))
    .addOption(new Option('--metric <name>', 'what auto maximises on the valid split').choices(METRIC_NAMES).default(DEFAULT_AUTO_METRIC))
    .option('--probs', 'include the test probabilities (test_probs) in the output')
    .option('--json', 'print one JSON object')
    .showHelpAfterError(false)
    .action((options: EvalOptions) => {
      try {
        const result = evaluateLabelModel(options);
        process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : formatResult(result));
      } catch (e) {
        if (isBadInput(e)) {
          process.stderr.write(`reef label-model eval: ${(e as Error).message}\n`);
          process.exit(BAD_INPUT_EXIT);
        }
        throw e;
      }
    });
  // Commander's own errors (bad option value, unknown option) are bad input too: exit 2, one line.
  evalCommand.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : BAD_INPUT_EXIT));
}

export function evaluateLabelModel(options: EvalOptions): EvalResult {
  const input = readLabelMatrixInput(matrixSource(options));
  const { k } = input;
  const train = input.splits.train;
  const test = input.splits.test;
  if (!train) throw new CliInputError('no training matrix: the JSON needs L_train, or pass --train L_train.npy');
  if (!test?.Y) throw new CliInputError('eval needs a test split with gold labels: Y_test in the JSON, or --test and --test-labels');

  const started = performance.now();
  const stats = computeSufficientStats(train.L, train.n, train.m, k, statsOptionsFor(options.model));
  const { model, params } = fitChosenModel(stats, input, options);
  const fitMs = performance.now() - started;

  const predictStarted = performance.now();
  const probs = model.predictProba(test.L, test.n);
  const preds = probsToPreds(probs, k, options.tieBreak, { seed: options.seed });
  const predictMs = performance.now() - predictStarted;

  const result: EvalResult = {
    model: options.model,
    params,
    fit_ms: round(fitMs, 2),
    predict_ms: round(predictMs, 2),
    test: scorePredictions(preds, test.Y, k, 'ignored'),
  };
  if (options.probs) result.test_probs = Array.from({ length: test.n }, (_, i) => Array.from(probs.subarray(i * k, i * k + k)));
  return result;
}

function fitChosenModel(stats: SufficientStats, input: LabelMatrixInput, options: EvalOptions): { model: LabelModelFit; params: Record<string, unknown> } {
  const valid = input.splits.valid;
  const request: FitRequest = {
    model: options.model, seed: options.seed, metric: options.metric,
    snorkel: { epochs: options.epochs, lr: options.lr, l2: options.l2, optimizer: options.optimizer },
  };
  if (options.model === 'auto') {
    const model = fitLabelModel(stats, request, valid?.Y ? { dev: { L: valid.L, n: valid.n, Y: valid.Y } } : {});
    const auto = model.auto!;
    return {
      model,
      params: {
        chosen: model.kind, criterion: auto.criterion, metric: auto.metric, ...model.params,
        ...(auto.candidates.length > 0 ? { candidates: auto.candidates } : {}),
      },
    };
  }
  let classBalance: ArrayLike<number> | undefined;
  if (options.classBalance === 'valid') {
    if (!valid?.Y) throw new CliInputError('--class-balance valid needs valid gold labels (Y_valid, or --valid and --valid-labels)');
    classBalance = classBalanceFromLabels(valid.Y, input.k);
  } else {
    classBalance = options.classBalance;
  }
  // The research options a train request does not carry.
  const model = fitLabelModel(stats, request, {
    options: {
      snorkel: {
        classBalance, precInit: options.precInit, lrScheduler: options.lrScheduler,
        lrScheduleConfig: options.warmupEpochs ? { warmupSteps: options.warmupEpochs } : undefined,
      },
      fs: { classBalance, aggregate: options.tripletAggregate },
    },
  });
  return { model, params: model.params };
}

function matrixSource(options: EvalOptions): MatrixInputSource {
  const npy = [options.train, options.valid, options.test].some((p) => p !== undefined);
  if (options.matrix !== undefined && npy) throw new CliInputError('give either --matrix FILE.json or --train/--valid/--test .npy files, not both');
  if (options.matrix !== undefined) return { matrix: options.matrix };
  if (!npy) throw new CliInputError('no input: pass --matrix FILE.json or --train L_train.npy --test L_test.npy --test-labels Y_test.npy');
  return {
    train: options.train,
    trainLabels: options.trainLabels,
    valid: options.valid,
    validLabels: options.validLabels,
    test: options.test,
    testLabels: options.testLabels,
    cardinality: options.cardinality,
  };
}

class CliInputError extends Error {
  readonly code = 'BAD_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'CliInputError';
  }
}

function isBadInput(e: unknown): boolean {
  if (isLabelModelError(e)) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'BAD_INPUT';
}

function formatResult(r: EvalResult): string {
  const pct = (x: number | null) => (x === null ? '–' : (100 * x).toFixed(2));
  const { candidates, ...params } = r.params as { candidates?: CandidateSummary[] };
  // auto: one line per candidate, its dev score and the share of resamples on which it beat the reference.
  const candidateLines = (candidates ?? []).map((c) =>
    `           ${c.chosen ? '*' : ' '} ${c.model.padEnd(7)} dev ${pct(c.score)}  beats the reference on ${c.reference ? '(itself)' : `${pct(c.win_rate ?? null)}%`.padStart(7)}  ${JSON.stringify(c.params)}`);
  return [
    `model      ${r.model}${r.params.chosen ? ` (chose ${String(r.params.chosen)} by ${String(r.params.criterion)})` : ''}`,
    `params     ${JSON.stringify(params)}`,
    ...(candidateLines.length > 0 ? ['candidates (* chosen)', ...candidateLines] : []),
    `fit        ${r.fit_ms} ms`,
    `predict    ${r.predict_ms} ms`,
    `accuracy   ${pct(r.test.accuracy)}`,
    `f1 binary  ${pct(r.test.f1_binary)}`,
    `f1 macro   ${pct(r.test.f1_macro)}`,
    `coverage   ${pct(r.test.coverage)}`,
    '',
  ].join('\n');
}

function parseInteger(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}, got "${value}".`);
    return n;
  };
}

function parsePositive(value: string): number {
  const x = Number(value);
  if (!(x > 0) || !Number.isFinite(x)) throw new InvalidArgumentError(`expected a positive number, got "${value}".`);
  return x;
}

function parseNonNegative(value: string): number {
  const x = Number(value);
  if (!(x >= 0) || !Number.isFinite(x)) throw new InvalidArgumentError(`expected a number ≥ 0, got "${value}".`);
  return x;
}

function parseProbability(value: string): number {
  const x = Number(value);
  if (!(x >= 0 && x <= 1)) throw new InvalidArgumentError(`expected a number in [0, 1], got "${value}".`);
  return x;
}

function parseClassBalance(value: string): number[] | 'valid' {
  if (value === 'valid') return 'valid';
  const parts = value.split(',').map(Number);
  if (parts.length < 2 || parts.some((x) => !(x > 0) || !Number.isFinite(x))) {
    throw new InvalidArgumentError(`expected positive class shares such as "0.3,0.7", or "valid"; got "${value}".`);
  }
  return parts;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
