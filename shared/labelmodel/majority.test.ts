import { describe, expect, it } from 'vitest';
import { majorityVoteProbs } from './majority.ts';
import { probsToPreds } from './predictions.ts';

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
});
