// Seeded synthetic label matrices with known LF accuracies and coverages, for tests and the benchmark:
// Y is drawn from the class balance; LF j votes on a row with probability coverage_j, the true class with
// probability accuracy_j, otherwise a uniformly chosen wrong class (conditionally independent LFs).
import { allocateLabels, type LabelArray } from './matrix.ts';
import { NumpyRandomState } from './random.ts';

export interface SyntheticSpec {
  n: number;
  k: number;
  accuracies: ArrayLike<number>;
  coverages: ArrayLike<number>;
  classBalance?: ArrayLike<number>;
  seed?: number;
}

export interface SyntheticMatrix {
  L: LabelArray;
  Y: Int32Array;
  n: number;
  m: number;
  k: number;
}

const TWO_32 = 4294967296;

export function generateLabelMatrix(spec: SyntheticSpec): SyntheticMatrix {
  const { n, k, accuracies, coverages } = spec;
  const m = accuracies.length;
  const rng = new NumpyRandomState(spec.seed ?? 0);
  // One 32-bit draw per decision: plenty of resolution for probabilities, twice as fast as 53-bit doubles.
  const uniform = () => rng.nextUint32() / TWO_32;
  const cumulative = new Float64Array(k);
  let acc = 0;
  for (let y = 0; y < k; y++) {
    acc += spec.classBalance ? spec.classBalance[y] : 1 / k;
    cumulative[y] = acc;
  }
  const L = allocateLabels(k, n * m);
  const Y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = uniform() * acc;
    let y = 0;
    while (y < k - 1 && u >= cumulative[y]) y++;
    Y[i] = y;
    const row = i * m;
    for (let j = 0; j < m; j++) {
      if (uniform() >= coverages[j]) {
        L[row + j] = -1;
      } else if (uniform() < accuracies[j]) {
        L[row + j] = y;
      } else {
        const wrong = Math.floor(uniform() * (k - 1));
        L[row + j] = wrong >= y ? wrong + 1 : wrong;
      }
    }
  }
  return { L, Y, n, m, k };
}

/** m LFs whose accuracies and coverages spread evenly over the given ranges (deterministic, no draws). */
export function spreadLfQualities(m: number, accuracy: [number, number], coverage: [number, number]): { accuracies: Float64Array; coverages: Float64Array } {
  const accuracies = new Float64Array(m);
  const coverages = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const t = m === 1 ? 0.5 : j / (m - 1);
    accuracies[j] = accuracy[0] + t * (accuracy[1] - accuracy[0]);
    // A different stride, so the most accurate LFs are not also the ones that vote most.
    const s = ((j * 7) % m) / Math.max(1, m - 1);
    coverages[j] = coverage[0] + s * (coverage[1] - coverage[0]);
  }
  return { accuracies, coverages };
}
