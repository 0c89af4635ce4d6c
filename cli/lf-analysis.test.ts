import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lfAnalysisOfFile } from './lf-analysis.ts';
import type { SplitName } from './matrix-input.ts';

const reef = fileURLToPath(new URL('../bin/reef.js', import.meta.url));
const youtube = fileURLToPath(new URL('../../shared/data/wrench/youtube.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'reef-lf-analysis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runReef(...args: string[]) {
  const r = spawnSync(process.execPath, [reef, 'lf-analysis', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeJson(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

describe('reef lf-analysis', () => {
  it("prints Snorkel's numbers for fixture A (test_analysis.py) as JSON", () => {
    const path = writeJson('fixture-a.json', {
      cardinality: 3,
      L_train: [[-1, -1, 0, -1, -1, 0], [-1, -1, -1, 2, -1, -1], [2, -1, -1, -1, -1, 0], [1, -1, 2, -1, 0, 0], [-1, -1, -1, -1, -1, -1], [1, -1, 0, 2, 1, 0]],
      Y_train: [0, 1, 2, 0, 1, 2],
    });
    const r = runReef('--matrix', path, '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([out.coverage, out.overlap, out.conflict]).toEqual([5 / 6, 4 / 6, 3 / 6]);
    expect(out.lfs.map((l: { polarity: number[] }) => l.polarity)).toEqual([[1, 2], [], [0, 2], [2], [0, 1], [0]]);
    expect(out.lfs.map((l: { correct: number }) => l.correct)).toEqual([1, 0, 1, 1, 1, 2]);
    expect(out.lfs.map((l: { incorrect: number }) => l.incorrect)).toEqual([2, 0, 2, 1, 1, 2]);
    expect(out.lfs.map((l: { empirical_accuracy: number }) => l.empirical_accuracy)).toEqual([1 / 3, 0, 1 / 3, 1 / 2, 1 / 2, 1 / 2]);
    expect(out.lfs[3]).toEqual({ j: 3, polarity: [2], coverage: 2 / 6, overlaps: 1 / 6, conflicts: 1 / 6, correct: 1, incorrect: 1, empirical_accuracy: 0.5 });
  });


  it('exits 2 with one line on stderr for bad input (ragged rows), and for a missing --matrix', () => {
    const r = runReef('--matrix', writeJson('ragged.json', { cardinality: 2, L_train: [[0, 1], [0]] }), '--json');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^reef lf-analysis: .*ragged rows, row 1 has 1 entries, row 0 has 2/);
    expect(runReef().status).toBe(2);
  });

  // The same error path in-process (spawning Node per case is slow): each is a BAD_INPUT error, i.e. exit 2.
  it.each<[string, unknown, SplitName, RegExp]>([
    ['a vote outside -1..k-1', { cardinality: 2, L_train: [[0, 2]] }, 'train', /outside -1\.\.1/],
    ['k < 2', { cardinality: 1, L_train: [[0, 0]] }, 'train', /cardinality/],
    ['a missing split', { cardinality: 2, L_train: [[0, 1]] }, 'valid', /no L_valid; pick --split train/],
    ['a missing file', null, 'train', /absent\.json: file not found/],
  ])('refuses %s as bad input', (name, doc, split, message) => {
    const path = doc === null ? join(dir, 'absent.json') : writeJson(`${name.replaceAll(' ', '-')}.json`, doc);
    expect(() => lfAnalysisOfFile(path, split)).toThrow(expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringMatching(message) }));
  });

  it('gives null accuracy when the split has no gold labels', () => {
    const out = lfAnalysisOfFile(writeJson('no-gold.json', { cardinality: 2, L_test: [[0, 1, -1], [0, 0, -1]] }), 'test');
    expect(out.lfs[0]).toMatchObject({ polarity: [0], coverage: 1, correct: null, empirical_accuracy: null });
    expect(out.conflict).toBe(0.5);
  });
});

describe.skipIf(!existsSync(youtube))('reef lf-analysis on WRENCH youtube', () => {
  it('analyses the test split: 250 rows, 10 LFs, accuracies on gold', () => {
    const r = runReef('--matrix', youtube, '--split', 'test', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([out.n, out.m, out.k]).toEqual([250, 10, 2]);
    expect(out.coverage).toBeCloseTo(0.928, 10);
    expect(out.overlap).toBeCloseTo(0.584, 10);
    expect(out.conflict).toBeCloseTo(0.256, 10);
    for (const lf of out.lfs) {
      expect(lf.correct + lf.incorrect).toBe(Math.round(lf.coverage * 250));
      expect(lf.overlaps).toBeLessThanOrEqual(lf.coverage);
      expect(lf.conflicts).toBeLessThanOrEqual(lf.overlaps);
    }
    expect(out.lfs[1]).toMatchObject({ polarity: [1], correct: 36, incorrect: 0, empirical_accuracy: 1 });
  });
});
