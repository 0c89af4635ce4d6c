import { describe, expect, it } from 'vitest';
import { buildColumn, type StringColumn } from './column-batch.ts';
import { checkRegexSafety, compileRegex, regexMask } from './regex.ts';

describe('checkRegexSafety', () => {
  it.each([
    '^(a+)+$', '(a*)*b', '(\\w+\\s?)*$', '(a|a)*$', '(a|ab)+c', '(x+x+)+y', '(.*a){3,}', '(\\d+)\\1',
  ])('refuses the backtracking shape %s', (pattern) => {
    expect(checkRegexSafety(pattern).ok).toBe(false);
  });

  it.each([
    '\\bfree\\b', '^subscribe', '(foo|bar)+', 'https?://\\S+', '[a-z]+@[a-z]+\\.com', '(ab)+c', 'x{2,5}', 'check (out|this)',
  ])('accepts %s', (pattern) => {
    expect(checkRegexSafety(pattern)).toEqual({ ok: true });
  });

  it('compares alternatives case-insensitively when the LF is', () => {
    expect(checkRegexSafety('(a|A)+', false)).toEqual({ ok: true });
    expect(checkRegexSafety('(a|A)+', true).ok).toBe(false);
  });

  it('never runs the evil pattern ^(a+)+$ on "aaaa…!", and its safe rewrite scans 100k characters correctly', () => {
    const evil = 'a'.repeat(100_000) + '!';
    const refused = checkRegexSafety('^(a+)+$');
    expect(refused).toEqual({ ok: false, reason: expect.stringMatching(/nested quantifiers/) });
    expect(() => compileRegex('evil', '^(a+)+$', false)).toThrow(expect.objectContaining({ code: 'UNSAFE_PATTERN' }));
    const column = buildColumn('string', [evil, 'aaaa', '']) as StringColumn;
    expect(Array.from(regexMask(column, 3, compileRegex('rewritten', '^a+$', false)))).toEqual([0, 1, 0]);
  });
});

/** Deterministic xorshift, so a failing case can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

describe('regexMask: the one-pass scan gives the per-row answer', () => {
  const alphabet = ['a', 'b', 'A', ' ', '\n', 'é', '🦆', 'x', '1'];
  const rand = rng(7);
  const rows = Array.from({ length: 400 }, () =>
    rand() < 0.1 ? null : Array.from({ length: Math.floor(rand() * 8) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''));
  const withNewlines = buildColumn('string', rows) as StringColumn;
  const withoutNewlines = buildColumn('string', rows.map((r) => r?.replaceAll('\n', ' ') ?? null)) as StringColumn;

  it.each([
    'a', 'ab', '^a', 'b$', '^$', 'x*', '\\ba', 'a(?!b)', '(?<=b)a', '[^a]', '\\s', '.', '🦆.', 'é', '^.{3}$', 'a|b',
    '.*a', 'a.*', '.*?b.*', '.*', '.*(?<=b)a.*', '^.*a$', '.*a|b.*',
  ])('pattern %s', (pattern) => {
    for (const column of [withNewlines, withoutNewlines]) {
      for (const ci of [false, true]) {
        const compiled = compileRegex('p', pattern, ci);
        const perRow = new RegExp(pattern, ci ? 'iu' : 'u');
        const expected = rows.map((_, i) => {
          const r = column === withNewlines ? rows[i] : rows[i]?.replaceAll('\n', ' ');
          return r === null || r === undefined ? 0 : perRow.test(r) ? 1 : 0;
        });
        expect(Array.from(regexMask(column, rows.length, compiled))).toEqual(expected);
      }
    }
  });

  it('drops an outer .* (it cannot change whether a row matches) but keeps anchored ones', () => {
    expect(compileRegex('p', '.*free.*money.*', false).rowRegex.source).toBe('free.*money');
    expect(compileRegex('p', '.*?', false).rowRegex.source).toBe('(?:)');
    expect(compileRegex('p', '^.*a$', false).rowRegex.source).toBe('^.*a$');
    expect(compileRegex('p', '.*a|b', false).rowRegex.source).toBe('.*a|b');
  });

  it('uses the scan for patterns that cannot cross a row, and row by row otherwise', () => {
    expect(compileRegex('p', 'free', false).scanRegex).not.toBeNull();
    expect(compileRegex('p', '[^a]', false).scanRegex).toBeNull();
    expect(compileRegex('p', 'a\\sb', false).scanRegex).toBeNull();
    expect(compileRegex('p', '[^\\n]+x', false).scanRegex).not.toBeNull();
  });
});
