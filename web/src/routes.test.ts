import { describe, expect, it } from 'vitest';
import { conceptPath, parseRoute, resultsPath, runsPath } from './routes.ts';

describe('parseRoute', () => {
  it('opens the concept list at the root', () => {
    expect(parseRoute('/')).toEqual({ page: 'home' });
  });
  it('opens a concept page and the seed\'s results page', () => {
    expect(parseRoute('/concepts/abc')).toEqual({ page: 'concept', cId: 'abc' });
    expect(parseRoute('/concepts/abc/snorkel/jobs/j1')).toEqual({ page: 'results', cId: 'abc', jobId: 'j1' });
  });
  it('round-trips the paths it builds, even with characters that need escaping', () => {
    expect(parseRoute(resultsPath('a b', 'j/1'))).toEqual({ page: 'results', cId: 'a b', jobId: 'j/1' });
    expect(parseRoute(conceptPath('x?y'))).toEqual({ page: 'concept', cId: 'x?y' });
    expect(parseRoute(runsPath('a/b'))).toEqual({ page: 'runs', cId: 'a/b' });
  });
  it('reports anything else as not found', () => {
    expect(parseRoute('/concepts/abc/other')).toEqual({ page: 'not-found', path: '/concepts/abc/other' });
  });
});
