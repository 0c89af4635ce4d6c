// FlyingSquid-style triplet estimation (Fu et al., ICML 2020, "Fast and Three-rious"; HazyResearch/flyingsquid
// LabelModel with allow_abstentions and no dependency edges), fitted in closed form from the co-vote counts of
// the sufficient statistics: no iterations, no seed, nothing but the summed counts.
//
// Binary task, λ, Y ∈ {−1, +1}, 0 = abstain, LFs conditionally independent given Y:
//   M_ab = E[λ_a λ_b] over all rows (an abstain counts as 0, as FlyingSquid's covariance does)
//   E[λ_j Y] = mean (or median) over pairs a < b (a, b ≠ j) of sqrt|M_ja · M_jb / M_ab|, pairs with a zero
//   moment skipped; taken positive (FlyingSquid's 'all_positive' sign recovery: LFs better than random).
// Each LF's joint with Y then follows from the linear system of FlyingSquid's fit, with abstaining independent
// of Y:  P(λY = 1) = ½(1 + E[λY] − P(λ = 0)), P(λ = 1) observed, P(Y = 1) the class balance.
// Prediction is the star graph's exact posterior, P(Y | λ) ∝ P(Y) Π_j P(λ_j, Y) / P(Y): a log-linear model.
//
// k > 2: one-vs-rest, as WRENCH runs FlyingSquid (class c against the rest: a vote for c is +1, any other vote
// −1; task c's prior is classBalance[c]), and the k binary log-odds s_c are combined by a softmax. WRENCH takes a
// softmax of the binary posteriors σ(s_c) instead; both rank classes as s_c do, so the hard labels are WRENCH's,
// while the probabilities are the softmax of s_c, which keeps the model in the shared log-linear form.
// The triplets are aggregated over every pair (FlyingSquid's triplet_mean / triplet_median) rather than one
// shuffled triplet per LF (its single-seed 'triplet'): no randomness, and less noise from one sparse pair.
import type { LogLinearModel } from './loglinear.ts';
import { LabelModelError } from './matrix.ts';
import type { SufficientStats } from './stats.ts';

export type TripletAggregate = 'mean' | 'median';

export interface FlyingSquidOptions {
  /** P(Y = y); default uniform. One-vs-rest task c uses classBalance[c] against the rest. */
  classBalance?: ArrayLike<number>;
  /** How one LF's triplet estimates are combined: FlyingSquid's triplet_mean (default) or triplet_median. */
  aggregate?: TripletAggregate;
}

export interface FlyingSquidModel extends LogLinearModel {
  kind: 'fs';
  params: { classBalance: number[]; aggregate: TripletAggregate };
  /** Binary tasks fitted: 1 when k = 2 (class 1 is +1), k otherwise (task c: class c against the rest). */
  tasks: number;
  /** tasks × m: the estimated E[λ_j Y] of each task (abstains count as 0). */
  accuracyMoments: Float64Array;
  /** tasks × m: P(λ_j = Y | λ_j votes) = ½(1 + E[λ_j Y] / P(λ_j votes)), the estimated accuracy. */
  accuracies: Float64Array;
  /** LFs with no triplet of non-zero moments in some task; their E[λ_j Y] is 0 there (an uninformative vote). */
  unestimated: number[];
}

/** A joint-probability cell that came out ≤ 0 is kept this small, so its log stays finite. */
const MIN_PROBABILITY = 1e-9;

export function fitFlyingSquid(stats: SufficientStats, options: FlyingSquidOptions = {}): FlyingSquidModel {
  const { n, m, k } = stats;
  if (m < 3) throw new LabelModelError('BAD_INPUT', `the triplet method needs at least 3 labeling functions, got ${m}`);
  if (n === 0) throw new LabelModelError('BAD_INPUT', 'cannot fit a label model on 0 rows');
  const aggregate = options.aggregate ?? 'mean';
  if (aggregate !== 'mean' && aggregate !== 'median') {
    throw new LabelModelError('BAD_PARAMS', `unrecognized triplet aggregate '${String(aggregate)}'; use mean or median`);
  }
  const balance = checkClassBalance(options.classBalance, k);
  const tasks = k === 2 ? 1 : k;
  const accuracyMoments = new Float64Array(tasks * m);
  const accuracies = new Float64Array(tasks * m);
  const unestimated = new Set<number>();
  const logTable = new Float64Array(m * k * k);
  const logPrior = new Float64Array(k);
  const voteCounts = diagonalVotes(stats);

  for (let t = 0; t < tasks; t++) {
    const positive = k === 2 ? 1 : t;
    const pi = balance[positive];
    const moments = taskMoments(stats, positive);
    for (let j = 0; j < m; j++) {
      let votes = 0;
      for (let l = 0; l < k; l++) votes += voteCounts[j * k + l];
      const covered = votes / n;
      const estimate = aggregateTriplets(moments, m, j, aggregate);
      if (estimate === undefined) unestimated.add(j);
      // |E[λY]| cannot exceed P(λ votes); noisy triplets (small M_ab) can overshoot it.
      const e = Math.min(estimate ?? 0, covered);
      accuracyMoments[t * m + j] = e;
      accuracies[t * m + j] = covered === 0 ? 0.5 : (1 + e / covered) / 2;
      const cells = jointWithY(voteCounts[j * k + positive] / n, covered, pi, e);
      // λ = +1 is a vote for the positive class, λ = −1 any other vote.
      for (let l = 0; l < k; l++) {
        const [withPositive, withNegative] = l === positive ? [cells.plusPlus, cells.plusMinus] : [cells.minusPlus, cells.minusMinus];
        const logPositive = Math.log(withPositive / pi);
        const logNegative = Math.log(withNegative / (1 - pi));
        if (k === 2) {
          logTable[(j * k + l) * k + 1] = logPositive;
          logTable[(j * k + l) * k] = logNegative;
        } else {
          logTable[(j * k + l) * k + t] = logPositive - logNegative;
        }
      }
    }
    if (k === 2) {
      logPrior[0] = Math.log(1 - pi);
      logPrior[1] = Math.log(pi);
    } else {
      logPrior[t] = Math.log(pi / (1 - pi));
    }
  }
  return {
    kind: 'fs', m, k, logTable, logPrior, tasks, accuracyMoments, accuracies,
    unestimated: [...unestimated].sort((a, b) => a - b),
    params: { classBalance: Array.from(balance), aggregate },
  };
}

/** The co-vote diagonal: how often LF j voted l, at [j·k + l]. */
function diagonalVotes(stats: SufficientStats): Float64Array {
  const { m, k, coVotes } = stats;
  const d = m * k;
  const votes = new Float64Array(d);
  for (let code = 0; code < d; code++) votes[code] = coVotes[code * (d + 1)];
  return votes;
}

/** m × m (upper triangle filled) second moments E[λ_a λ_b] of the binary task "positive against the rest". */
function taskMoments(stats: SufficientStats, positive: number): Float64Array {
  const { n, m, k, coVotes } = stats;
  const d = m * k;
  const moments = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      let sum = 0;
      for (let la = 0; la < k; la++) {
        const row = (a * k + la) * d + b * k;
        const sa = la === positive ? 1 : -1;
        for (let lb = 0; lb < k; lb++) sum += (lb === positive ? sa : -sa) * coVotes[row + lb];
      }
      moments[a * m + b] = sum / n;
    }
  }
  return moments;
}

/** FlyingSquid's all_triplet_vals for LF j, then their mean or median; undefined when no triplet has non-zero moments. */
function aggregateTriplets(moments: Float64Array, m: number, j: number, aggregate: TripletAggregate): number | undefined {
  const moment = (a: number, b: number) => (a < b ? moments[a * m + b] : moments[b * m + a]);
  const values: number[] = [];
  let sum = 0;
  let count = 0;
  for (let a = 0; a < m; a++) {
    if (a === j) continue;
    const ja = moment(j, a);
    if (ja === 0) continue;
    for (let b = a + 1; b < m; b++) {
      if (b === j) continue;
      const jb = moment(j, b);
      const ab = moments[a * m + b];
      if (jb === 0 || ab === 0) continue;
      const value = Math.sqrt(Math.abs((ja * jb) / ab));
      sum += value;
      count++;
      if (aggregate === 'median') values.push(value);
    }
  }
  if (count === 0) return undefined;
  if (aggregate === 'mean') return sum / count;
  values.sort((x, y) => x - y);
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

interface JointCells {
  /** P(λ = +1, Y = +1), P(λ = +1, Y = −1), P(λ = −1, Y = +1), P(λ = −1, Y = −1). */
  plusPlus: number;
  plusMinus: number;
  minusPlus: number;
  minusMinus: number;
}

/**
 * Solves FlyingSquid's B·e = r for one LF: the four cells sum to P(λ votes), the λ = +1 cells to P(λ = +1), the
 * Y = +1 cells to π·P(λ votes) (abstaining is independent of Y) and the agreeing cells to ½(1 + E[λY] − P(λ = 0)).
 * A negative cell (the LF breaks the model, e.g. it only ever votes one way) is flipped positive, as FlyingSquid
 * does by default (flip_negative).
 */
function jointWithY(plus: number, covered: number, pi: number, e: number): JointCells {
  const agree = (covered + e) / 2;
  const plusPlus = (plus + pi * covered + agree - covered) / 2;
  const cell = (p: number) => Math.max(Math.abs(p), MIN_PROBABILITY);
  return {
    plusPlus: cell(plusPlus),
    plusMinus: cell(plus - plusPlus),
    minusPlus: cell(pi * covered - plusPlus),
    minusMinus: cell(agree - plusPlus),
  };
}

function checkClassBalance(classBalance: ArrayLike<number> | undefined, k: number): Float64Array {
  if (classBalance === undefined) return new Float64Array(k).fill(1 / k);
  if (classBalance.length !== k) {
    throw new LabelModelError('BAD_PARAMS', `class_balance has ${classBalance.length} entries; the matrix has ${k} classes`);
  }
  const p = Float64Array.from(classBalance);
  const bad = [...p.keys()].filter((y) => !(p[y] > 0 && p[y] < 1));
  if (bad.length > 0) throw new LabelModelError('BAD_PARAMS', `class_balance must be in (0, 1) for every class; class(es) ${bad.join(', ')} are not`);
  const total = p.reduce((s, x) => s + x, 0);
  for (let y = 0; y < k; y++) p[y] /= total;
  return p;
}
