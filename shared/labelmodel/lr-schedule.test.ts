import { describe, expect, it } from 'vitest';
import { learningRates } from './lr-schedule.ts';
import { computeSufficientStats } from './stats.ts';
import { fitSnorkel } from './snorkel.ts';

const rates = (...args: Parameters<typeof learningRates>) => Array.from(learningRates(...args), (r) => Number(r.toFixed(12)));

// Expected rates follow torch's scheduler semantics step by step (see lr-schedule.ts).
describe('learningRates (Snorkel lr_scheduler)', () => {
  it('keeps the rate constant by default, and a warmup climbs from 0 over its epochs', () => {
    expect(rates(3, 0.01)).toEqual([0.01, 0.01, 0.01]);
    expect(rates(5, 0.3, 'constant', { warmupSteps: 3 })).toEqual([0, 0.1, 0.2, 0.3, 0.3]);
    expect(rates(10, 1, 'constant', { warmupPercentage: 0.2 })).toEqual([0, 0.5, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('decays linearly to 0, the linear scheduler resetting the warmup’s first rate as torch does', () => {
    expect(rates(5, 1, 'linear')).toEqual([1, 0.8, 0.6, 0.4, 0.2]);
    expect(rates(6, 1, 'linear', { warmupSteps: 2 })).toEqual([1, 0.5, 1, 0.75, 0.5, 0.25]);
  });

  it('multiplies the current rate for exponential and step schedules, clamped at min_lr', () => {
    expect(rates(4, 1, 'exponential', { exponentialGamma: 0.5 })).toEqual([1, 0.5, 0.25, 0.125]);
    expect(rates(4, 1, 'exponential', { exponentialGamma: 0.5, minLr: 0.3 })).toEqual([1, 0.5, 0.3, 0.3]);
    expect(rates(5, 1, 'step', { stepSize: 2, stepGamma: 0.1 })).toEqual([1, 1, 0.1, 0.1, 0.01]);
    expect(rates(4, 1, 'exponential', { warmupSteps: 2, exponentialGamma: 0.5 })).toEqual([0, 0.5, 1, 0.5]);
  });

  it('refuses unknown schedulers and warmups of no epoch with BAD_PARAMS', () => {
    expect(() => learningRates(10, 0.01, 'cosine' as never)).toThrow(expect.objectContaining({ code: 'BAD_PARAMS', message: expect.stringMatching(/Unrecognized lr scheduler option 'cosine'/) }));
    expect(() => learningRates(100, 0.01, 'constant', { warmupPercentage: 0.001 })).toThrow(expect.objectContaining({ code: 'BAD_PARAMS' }));
    expect(() => learningRates(4, 0.01, 'linear', { warmupSteps: 4 })).toThrow(expect.objectContaining({ code: 'BAD_PARAMS' }));
  });

  it('changes the fit only when asked: constant is the default fit, exponential is another, both deterministic', () => {
    const L = Int8Array.from([0, 0, 1, -1, 1, 1, 0, 0, 0, -1, 1, 1, 1, 0, 1, 0, 0, -1, 1, 1, 1, 0, 0, 0]);
    const stats = computeSufficientStats(L, 6, 4, 2);
    const plain = fitSnorkel(stats, { seed: 1, nEpochs: 50 });
    expect(fitSnorkel(stats, { seed: 1, nEpochs: 50, lrScheduler: 'constant' }).mu).toEqual(plain.mu);
    const decayed = fitSnorkel(stats, { seed: 1, nEpochs: 50, lrScheduler: 'exponential' });
    expect(decayed.mu).not.toEqual(plain.mu);
    expect(fitSnorkel(stats, { seed: 1, nEpochs: 50, lrScheduler: 'exponential' }).mu).toEqual(decayed.mu);
    expect(decayed.params.lrScheduler).toBe('exponential');
  });
});
