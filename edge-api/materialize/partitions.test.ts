import { describe, expect, it } from 'vitest';
import { planPartitions } from './partitions.ts';

describe('planPartitions', () => {
  it('keeps an unpartitioned asset whole', () => {
    expect(planPartitions('select * from t;', null, null, 'postgresql')).toEqual([{ key: 'all', sql: 'select * from t', params: {} }]);
  });

  it('splits time into half-open intervals that end at the configured end', () => {
    const parts = planPartitions('select * from t', 'time', { column: 'at', start: '2024-01-30', end: '2024-04-15', interval: 'month' }, 'postgresql');
    expect(parts.map((p) => p.params)).toEqual([
      { reef_lo: '2024-01-30T00:00:00.000Z', reef_hi: '2024-03-01T00:00:00.000Z' },
      { reef_lo: '2024-03-01T00:00:00.000Z', reef_hi: '2024-04-01T00:00:00.000Z' },
      { reef_lo: '2024-04-01T00:00:00.000Z', reef_hi: '2024-04-15T00:00:00.000Z' },
    ]);
    expect(parts[0]!.sql).toBe('SELECT * FROM (select * from t) AS reef_partition WHERE "at" >= :reef_lo AND "at" < :reef_hi');
  });

  it('covers an id range with a short last partition', () => {
    const parts = planPartitions('select id from t', 'id_range', { column: 'id', start: 0, end: 250, size: 100 }, 'mysql');
    expect(parts.map((p) => [p.key, p.params.reef_lo, p.params.reef_hi])).toEqual([['0', 0, 100], ['100', 100, 200], ['200', 200, 250]]);
    expect(parts[0]!.sql).toContain('`id` >= :reef_lo');
  });

  it('gives categorical values a partition each, and everything else one more', () => {
    const parts = planPartitions('select * from t', 'categorical', { column: 'lang', values: ['en', 'fr'] }, 'postgresql');
    expect(parts.map((p) => p.key)).toEqual(['en', 'fr', '__other__']);
    expect(parts[2]!.sql).toContain('("lang" IS NULL OR "lang" NOT IN (:reef_v0, :reef_v1))');
  });

  it('quotes a hostile column name so it stays one identifier', () => {
    const [part] = planPartitions('select * from t', 'categorical', { column: 'x" = 1; drop table t; --', values: ['a'] }, 'postgresql');
    expect(part!.sql).toContain('"x"" = 1; drop table t; --" = :reef_value');
  });

  it('refuses configurations that make no sense, saying how to fix them', () => {
    expect(() => planPartitions('s', 'time', { column: 'at', start: '2024-02-01', end: '2024-01-01' }, 'postgresql')).toThrow(/start before end/);
    expect(() => planPartitions('s', 'id_range', { column: 'id', start: 0, end: 10, size: 0 }, 'postgresql')).toThrow(/size > 0/);
    expect(() => planPartitions('s', 'id_range', { column: 'id', start: 0, end: 1e9, size: 1 }, 'postgresql')).toThrow(/more than 10000/);
    expect(() => planPartitions('s', 'categorical', { column: 'c', values: [] }, 'postgresql')).toThrow(/non-empty list/);
    expect(() => planPartitions('s', 'hash', { column: 'c' }, 'postgresql')).toThrow(/time, id_range or categorical/);
  });
});
