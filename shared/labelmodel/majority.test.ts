import { describe, expect, it } from 'vitest';
import { majorityVoteProbs } from './majority.ts';
import { probsToPreds } from './predictions.ts';
import { generateLabelMatrix, spreadLfQualities } from './synthetic.ts';

describe('majorityVoteProbs (Snorkel MajorityLabelVoter)', () => {
  it('puts all mass on the plurality class and ignores abstains', () => {
    const L = Int8Array.from([0, 1, 0, 0, 1, 0, 1, 0, 0, -1, -1, 1]);
    expect(Array.from(majorityVoteProbs(L, 4, 3, 2))).toEqual([1, 0, 1, 0, 1, 0, 0, 1]);
  });

  it('shares mass among tied classes and is uniform on an all-abstain row', () => {
    const L = Int8Array.from([0, 1, 2, 2, -1, -1, -1, -1, 0, 1, -1, -1]);
    const probs = majorityVoteProbs(L, 3, 4, 3);
    expect(Array.from(probs.subarray(0, 3))).toEqual([0, 0, 1]);
    expect(Array.from(probs.subarray(3, 6))).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(Array.from(probs.subarray(6, 9))).toEqual([0.5, 0.5, 0]);
    expect(Array.from(probsToPreds(probs, 3, 'abstain'))).toEqual([2, -1, -1]);
  });

  it('gives the same binary votes reading four LFs at a time as one at a time, for any row width', () => {
    for (const m of [3, 6, 7, 50]) {
      const data = generateLabelMatrix({ n: 777, k: 2, ...spreadLfQualities(m, [0.6, 0.9], [0.1, 0.6]), seed: m });
      expect(Array.from(majorityVoteProbs(data.L, data.n, m, 2))).toEqual(Array.from(majorityVoteProbs(Int16Array.from(data.L), data.n, m, 2)));
      const reference = new Float64Array(data.n * 2);
      for (let i = 0; i < data.n; i++) {
        let zeros = 0;
        let ones = 0;
        for (let j = 0; j < m; j++) {
          if (data.L[i * m + j] === 0) zeros++;
          if (data.L[i * m + j] === 1) ones++;
        }
        reference[i * 2] = zeros > ones ? 1 : zeros === ones ? 0.5 : 0;
        reference[i * 2 + 1] = 1 - reference[i * 2];
      }
      expect(Array.from(majorityVoteProbs(data.L, data.n, m, 2))).toEqual(Array.from(reference));
    }
  });
});
