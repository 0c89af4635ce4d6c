import { describe, expect, it } from 'vitest';
import { isValidConnection, type PipelineNodeType } from './graph.ts';

const types: Record<string, PipelineNodeType> = { i: 'index', r: 'rule', r2: 'rule', l: 'lfs', t: 'train' };
const typeOf = (id: string) => types[id];
const ok = (source: string | null, target: string | null) => isValidConnection({ source, target }, typeOf);

describe('isValidConnection', () => {
  it('allows each step of Index → Rule → Labeling Functions → Train', () => {
    expect([ok('i', 'r'), ok('r', 'l'), ok('r2', 'l'), ok('l', 't')]).toEqual([true, true, true, true]);
  });
  it('refuses skipping a stage or going backwards', () => {
    expect([ok('i', 'l'), ok('i', 't'), ok('r', 't'), ok('r', 'i'), ok('l', 'r'), ok('t', 'l')]).toEqual([false, false, false, false, false, false]);
  });
  it('refuses edges within a stage, loops and unknown or missing ends', () => {
    expect([ok('r', 'r2'), ok('r', 'r'), ok('i', 'x'), ok('x', 'r'), ok(null, 'r'), ok('i', null)]).toEqual([false, false, false, false, false, false]);
  });
});
