// Snorkel 0.10's LabelModel (snorkel/labeling/model/label_model.py), re-derived in float64 with an analytic
// gradient. It fits mu[j·k+l, y] = P(λ_j = l | Y = y) to the co-vote matrix O = AᵀA/n by minimising
//   ‖mask ∘ (O − mu P muᵀ)‖²_F + ‖rowsum(mu P) − diag O‖² + ‖l2 (mu − mu_init)‖²_F
// with the same initialisation, optimizer update rules (torch's), clamp and symmetry breaking, so that for
// the same seed it returns Snorkel's probabilities (checked against ../shared/data/golden).
import { solveAssignment } from './hungarian.ts';
import type { LogLinearModel } from './loglinear.ts';
import { learningRates, type LrScheduleConfig, type LrSchedulerName } from './lr-schedule.ts';
import { LabelModelError } from './matrix.ts';
import { NumpyRandomState } from './random.ts';
import { lfCoverages, type SufficientStats } from './stats.ts';

export type OptimizerName = 'sgd' | 'adam' | 'adamax';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'adam', 'adamax'];

export interface SnorkelOptions {
  /** One epoch is one full-batch gradient step. Snorkel's default: 100. */
  nEpochs?: number;
  lr?: number;
  /** Pull toward mu_init inside the loss (weight l2²) and toward 0 as the optimizer's weight decay, as Snorkel does. */
  l2?: number;
  optimizer?: OptimizerName;
  /** Snorkel's lr_scheduler (default constant) and lr_scheduler_config (warmup in epochs, min_lr, gammas). */
  lrScheduler?: LrSchedulerName;
  lrScheduleConfig?: LrScheduleConfig;
  /** Seeds numpy's generator for the one random scale of mu_init. */
  seed?: number;
  /** Class prior p; uniform when omitted. */
  classBalance?: ArrayLike<number>;
  /** Prior on each LF's precision P(Y=y | λ=y): one value or one per LF. Default 0.7. */
  precInit?: number | ArrayLike<number>;
  /** Clamp for mu after fitting; default min(0.01, 10^-ceil(log10 n)). */
  muEps?: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface SnorkelParams {
  nEpochs: number;
  lr: number;
  l2: number;
  optimizer: OptimizerName;
  lrScheduler: LrSchedulerName;
  lrScheduleConfig?: LrScheduleConfig;
  seed: number;
  classBalance: number[];
  precInit: number | number[];
}

export interface SnorkelModel extends LogLinearModel {
  kind: 'snorkel';
  params: SnorkelParams;
  /** (m·k) × k, clamped and symmetry-broken. */
  mu: Float64Array;
  classBalance: Float64Array;
  coverage: Float64Array;
  finalLoss: number;
}

const SGD_MOMENTUM = 0.9;
const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPS = 1e-8;

export function fitSnorkel(stats: SufficientStats, options: SnorkelOptions = {}): SnorkelModel {
  const { n, m, k } = stats;
  const nEpochs = options.nEpochs ?? 100;
  const lr = options.lr ?? 0.01;
  const l2 = options.l2 ?? 0;
  const optimizer = options.optimizer ?? 'sgd';
  const seed = options.seed ?? 0;
  if (m < 3) throw new LabelModelError('BAD_INPUT', `the label model needs at least 3 labeling functions, got ${m}`);
  if (n === 0) throw new LabelModelError('BAD_INPUT', 'cannot fit a label model on 0 rows');
  if (!OPTIMIZERS.includes(optimizer)) throw new LabelModelError('BAD_PARAMS', `unrecognized optimizer '${optimizer}'; use sgd, adam or adamax`);
  if (!(Number.isInteger(nEpochs) && nEpochs >= 0)) throw new LabelModelError('BAD_PARAMS', `n_epochs must be a non-negative integer, got ${nEpochs}`);
  const lrScheduler = options.lrScheduler ?? 'constant';
  const rates = learningRates(nEpochs, lr, lrScheduler, options.lrScheduleConfig);
  const p = resolveClassBalance(options.classBalance, k);
  const prec = resolvePrecInit(options.precInit ?? 0.7, m);

  const problem = buildActiveProblem(stats, false);
  const { size, index } = problem;
  const fullInit = initialMu(stats, p, prec);
  const muInit = new Float64Array(size * k);
  for (let a = 0; a < size; a++) muInit.set(fullInit.subarray(index[a] * k, index[a] * k + k), a * k);
  const scale = new NumpyRandomState(seed).random();
  const mu = muInit.map((x) => x * scale);

  const grad = new Float64Array(size * k);
  const step = makeOptimizerStep(optimizer, mu.length, l2);
  const l2sq = l2 * l2;
  let loss = NaN;
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    loss = lossAndGradient(problem, mu, muInit, p, l2sq, grad);
    if (Number.isNaN(loss)) throw new LabelModelError('NAN_LOSS', 'Loss is NaN. Consider reducing learning rate.');
    options.onEpoch?.(epoch, loss);
    step(mu, grad, epoch + 1, rates[epoch]);
  }

  const d = m * k;
  const full = new Float64Array(d * k);
  for (let a = 0; a < size; a++) full.set(mu.subarray(a * k, a * k + k), index[a] * k);
  const eps = options.muEps ?? Math.min(0.01, 1 / 10 ** Math.ceil(Math.log10(n)));
  for (let i = 0; i < full.length; i++) full[i] = clamp(full[i], eps, 1 - eps);
  const broken = breakColumnSymmetry(full, m, k, p);

  return {
    kind: 'snorkel',
    m,
    k,
    mu: broken,
    logTable: broken.map(Math.log),
    logPrior: p.map(Math.log),
    classBalance: p,
    coverage: lfCoverages(stats),
    finalLoss: loss,
    params: {
      nEpochs,
      lr,
      l2,
      optimizer,
      lrScheduler,
      ...(options.lrScheduleConfig ? { lrScheduleConfig: options.lrScheduleConfig } : {}),
      seed,
      classBalance: Array.from(p),
      precInit: typeof options.precInit === 'number' || options.precInit === undefined ? (options.precInit ?? 0.7) : Array.from(prec),
    },
  };
}

/** Snorkel's get_weights(): Σ_y P(λ_j = y, Y = y) / coverage_j, clipped to [1e-6, 1] — an estimate of LF accuracy. */
export function snorkelWeights(model: SnorkelModel): Float64Array {
  const { m, k, mu, classBalance, coverage } = model;
  const weights = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let acc = 0;
    for (let y = 0; y < k; y++) acc += mu[(j * k + y) * k + y] * classBalance[y];
    weights[j] = Math.min(1, Math.max(1e-6, acc / coverage[j]));
  }
  return weights;
}

/** Snorkel's class balance from dev labels: label frequencies sorted by label; every class must appear. */
export function classBalanceFromLabels(Y: Int32Array, k: number): Float64Array {
  const counts = new Float64Array(k);
  let total = 0;
  for (const y of Y) {
    if (y < 0) continue;
    counts[y]++;
    total++;
  }
  const present = counts.filter((c) => c > 0).length;
  if (present !== k) throw new LabelModelError('BAD_INPUT', `Y_dev has ${present} class(es). Does not match LabelModel cardinality ${k}.`);
  return counts.map((c) => c / total);
}

/** Snorkel's mu_init: [j·k+y, y] = clip(P(λ_j = y) · prec_j / p_y, 0, 1), every other entry 0; (m·k) × k. */
export function initialMu(stats: SufficientStats, classBalance: ArrayLike<number>, precInit: number | ArrayLike<number> = 0.7): Float64Array {
  const { n, m, k, coVotes } = stats;
  const d = m * k;
  const prec = resolvePrecInit(precInit, m);
  const muInit = new Float64Array(d * k);
  for (let j = 0; j < m; j++) {
    for (let y = 0; y < k; y++) {
      const code = j * k + y;
      muInit[code * k + y] = clamp(((coVotes[code * d + code] / n) * prec[j]) / classBalance[y], 0, 1);
    }
  }
  return muInit;
}

/** Snorkel's objective at a given (m·k) × k mu, split into the data term (masked O fit + diagonal) and the l2 term. */
export function snorkelLoss(
  stats: SufficientStats, mu: Float64Array, muInit: Float64Array, classBalance: ArrayLike<number>, l2 = 0,
): { data: number; l2: number } {
  const problem = buildActiveProblem(stats, true);
  const p = Float64Array.from(classBalance);
  const grad = new Float64Array(mu.length);
  const data = lossAndGradient(problem, mu, muInit, p, 0, grad);
  let pull = 0;
  for (let i = 0; i < mu.length; i++) pull += (l2 * (mu[i] - muInit[i])) ** 2;
  return { data, l2: pull };
}

function resolveClassBalance(classBalance: ArrayLike<number> | undefined, k: number): Float64Array {
  if (classBalance === undefined) return new Float64Array(k).fill(1 / k);
  if (classBalance.length !== k) {
    throw new LabelModelError('BAD_PARAMS', `class_balance has ${classBalance.length} entries. Does not match LabelModel cardinality ${k}.`);
  }
  const p = Float64Array.from(classBalance);
  const zero = [...p.keys()].filter((y) => !(p[y] > 0));
  if (zero.length > 0) throw new LabelModelError('BAD_PARAMS', `Class balance prior is 0 (or not a number) for class(es) ${zero.join(', ')}; give every class a positive share`);
  return p;
}

function resolvePrecInit(precInit: number | ArrayLike<number>, m: number): Float64Array {
  if (typeof precInit === 'number') return new Float64Array(m).fill(precInit);
  if (precInit.length !== m) throw new LabelModelError('BAD_PARAMS', `prec_init must have shape ${m}, got ${precInit.length} values`);
  return Float64Array.from(precInit);
}

/**
 * The fit restricted to "active" vote codes (LF j ever votes class l). A code that never occurs has a zero row
 * and column in O, a zero row in mu_init, and a gradient that stays exactly 0, so leaving it out changes no
 * number and shrinks SemEval's 1476 codes to the ~164 its single-polarity LFs use.
 */
interface ActiveProblem {
  k: number;
  size: number;
  index: Int32Array;
  /** size × size, symmetric, = O restricted to the active codes. */
  O: Float64Array;
  /** For active position a: the first active position in a later LF (the mask hides a's own LF block). */
  blockEnd: Int32Array;
  /** Scratch for mu·P and R·(mu·P), reused by every epoch. */
  W: Float64Array;
  G: Float64Array;
}

function buildActiveProblem(stats: SufficientStats, everyCode: boolean): ActiveProblem {
  const { n, m, k, coVotes } = stats;
  const d = m * k;
  const active: number[] = [];
  for (let c = 0; c < d; c++) if (everyCode || coVotes[c * d + c] > 0) active.push(c);
  const size = active.length;
  const index = Int32Array.from(active);
  const O = new Float64Array(size * size);
  for (let a = 0; a < size; a++) {
    for (let b = a; b < size; b++) {
      const value = coVotes[index[a] * d + index[b]] / n;
      O[a * size + b] = value;
      O[b * size + a] = value;
    }
  }
  const blockEnd = new Int32Array(size);
  for (let a = 0; a < size; a++) {
    const lf = Math.floor(index[a] / k);
    let b = a;
    while (b < size && Math.floor(index[b] / k) === lf) b++;
    blockEnd[a] = b;
  }
  return { k, size, index, O, blockEnd, W: new Float64Array(size * k), G: new Float64Array(size * k) };
}

/** Writes ∂loss/∂mu into grad (without weight decay, which the optimizer adds) and returns the loss. */
function lossAndGradient(problem: ActiveProblem, mu: Float64Array, muInit: Float64Array, p: Float64Array, l2sq: number, grad: Float64Array): number {
  const { k, size, O, blockEnd, W, G } = problem;
  for (let a = 0; a < size; a++) for (let y = 0; y < k; y++) W[a * k + y] = mu[a * k + y] * p[y];
  // G = R · W with R = mask ∘ (O − mu P muᵀ), symmetric, so each unordered pair is visited once.
  G.fill(0);
  let maskedLoss = 0;
  for (let a = 0; a < size; a++) {
    const aw = a * k;
    for (let b = blockEnd[a]; b < size; b++) {
      const bw = b * k;
      let model = 0;
      for (let y = 0; y < k; y++) model += W[aw + y] * mu[bw + y];
      const r = O[a * size + b] - model;
      maskedLoss += 2 * r * r;
      for (let y = 0; y < k; y++) {
        G[aw + y] += r * W[bw + y];
        G[bw + y] += r * W[aw + y];
      }
    }
  }
  let diagLoss = 0;
  let l2Loss = 0;
  for (let a = 0; a < size; a++) {
    let rowSum = 0;
    for (let y = 0; y < k; y++) rowSum += W[a * k + y];
    const r = rowSum - O[a * size + a];
    diagLoss += r * r;
    for (let y = 0; y < k; y++) {
      const i = a * k + y;
      const pull = mu[i] - muInit[i];
      l2Loss += l2sq * pull * pull;
      grad[i] = -4 * G[i] + 2 * r * p[y] + 2 * l2sq * pull;
    }
  }
  return maskedLoss + diagLoss + l2Loss;
}

type OptimizerStep = (param: Float64Array, grad: Float64Array, t: number, lr: number) => void;

/** torch.optim's SGD (momentum 0.9, no dampening/Nesterov), Adam and Adamax update rules, weight decay included. */
function makeOptimizerStep(name: OptimizerName, size: number, weightDecay: number): OptimizerStep {
  const first = new Float64Array(size);
  const second = new Float64Array(size);
  if (name === 'sgd') {
    return (param, grad, t, lr) => {
      for (let i = 0; i < size; i++) {
        const g = grad[i] + weightDecay * param[i];
        first[i] = t === 1 ? g : SGD_MOMENTUM * first[i] + g;
        param[i] -= lr * first[i];
      }
    };
  }
  if (name === 'adam') {
    return (param, grad, t, lr) => {
      const stepSize = lr / (1 - BETA1 ** t);
      const correction2 = Math.sqrt(1 - BETA2 ** t);
      for (let i = 0; i < size; i++) {
        const g = grad[i] + weightDecay * param[i];
        first[i] += (g - first[i]) * (1 - BETA1);
        second[i] = BETA2 * second[i] + (1 - BETA2) * g * g;
        param[i] -= (stepSize * first[i]) / (Math.sqrt(second[i]) / correction2 + ADAM_EPS);
      }
    };
  }
  return (param, grad, t, lr) => {
    const clr = lr / (1 - BETA1 ** t);
    for (let i = 0; i < size; i++) {
      const g = grad[i] + weightDecay * param[i];
      first[i] += (g - first[i]) * (1 - BETA1);
      second[i] = Math.max(BETA2 * second[i], Math.abs(g) + ADAM_EPS);
      param[i] -= (clr * first[i]) / second[i];
    }
  };
}

/**
 * Among column permutations that leave P unchanged (classes with equal prior, rounded to 3 d.p.), pick the one
 * that maximises Σ_LF Σ_y P(λ = y, Y = y): the solution that trusts the LFs most, as Snorkel does with munkres.
 */
export function breakColumnSymmetry(mu: Float64Array, m: number, k: number, p: Float64Array): Float64Array {
  const probsSum = new Float64Array(k * k);
  for (let j = 0; j < m; j++) {
    for (let l = 0; l < k; l++) for (let y = 0; y < k; y++) probsSum[l * k + y] += mu[(j * k + l) * k + y];
  }
  for (let l = 0; l < k; l++) for (let y = 0; y < k; y++) probsSum[l * k + y] *= p[y];
  const groups = new Map<number, number[]>();
  for (let y = 0; y < k; y++) {
    const key = Math.round(p[y] * 1000) / 1000;
    const group = groups.get(key);
    if (group) group.push(y);
    else groups.set(key, [y]);
  }
  // target[y] = the original column that becomes column y.
  const source = Int32Array.from({ length: k }, (_, y) => y);
  for (const group of groups.values()) {
    const s = group.length;
    if (s === 1) continue;
    const cost = new Float64Array(s * s);
    // Row i = original column group[i], column t = its new position group[t]; gain = mass of "LF votes group[t]" under it.
    for (let i = 0; i < s; i++) for (let t = 0; t < s; t++) cost[i * s + t] = -probsSum[group[t] * k + group[i]];
    const assignment = solveAssignment(cost, s);
    for (let i = 0; i < s; i++) source[group[assignment[i]]] = group[i];
  }
  const out = new Float64Array(mu.length);
  for (let r = 0; r < m * k; r++) for (let y = 0; y < k; y++) out[r * k + y] = mu[r * k + source[y]];
  return out;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
