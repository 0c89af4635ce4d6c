// Rendering names and values into DuckDB SQL. Values never reach SQL as raw text: every literal is built
// here from a typed value, so no name or value can change the shape of the query around it.

export class SqlLiteralError extends Error {
  readonly code = 'BAD_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'SqlLiteralError';
  }
}

/** A double-quoted identifier. NUL cannot appear in a DuckDB identifier, so it is refused, not escaped. */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new SqlLiteralError(`A column name cannot contain NUL (got ${JSON.stringify(name)}).`);
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A VARCHAR literal. Quotes are doubled; control characters (NUL included, which would end the query text
 * for some parsers) become chr(n) concatenations so the literal stays printable and exact.
 */
export function stringLiteral(s: string): string {
  const parts: string[] = [];
  let plain = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f) {
      if (plain) parts.push(`'${plain.replaceAll("'", "''")}'`);
      plain = '';
      parts.push(`chr(${cp})`);
    } else {
      plain += ch;
    }
  }
  if (plain || parts.length === 0) parts.push(`'${plain.replaceAll("'", "''")}'`);
  return parts.length === 1 ? parts[0] : `(${parts.join(' || ')})`;
}

/** A DOUBLE literal through a string cast: JS's shortest round-trip text parses back to the same double. */
export function doubleLiteral(x: number): string {
  if (!Number.isFinite(x)) throw new SqlLiteralError(`Expected a finite number, got ${x}.`);
  return `CAST('${Object.is(x, -0) ? '-0.0' : String(x)}' AS DOUBLE)`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const HUGE = 2n ** 100n;

/**
 * An integer literal: BIGINT when it fits, else HUGEINT so comparisons against BIGINT columns stay exact.
 * Values past ±2^100 are clamped (no BIGINT column can tell them apart).
 */
export function integerLiteral(x: bigint): string {
  const v = x > HUGE ? HUGE : x < -HUGE ? -HUGE : x;
  return v >= INT64_MIN && v <= INT64_MAX ? `CAST(${v} AS BIGINT)` : `CAST('${v}' AS HUGEINT)`;
}

export function booleanLiteral(b: boolean): string {
  return b ? 'TRUE' : 'FALSE';
}

const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]00:?00)?$/;

/**
 * Microseconds since the epoch for 'YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]' (a trailing Z or +00:00 is accepted;
 * other offsets are refused because TIMESTAMP columns carry no zone), or undefined when the text is not one.
 */
export function parseTimestampMicros(text: string): number | undefined {
  const m = TIMESTAMP_TEXT.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) return undefined;
  return ms * 1000 + Number(frac.padEnd(6, '0'));
}

/** A TIMESTAMP literal with full microsecond precision. */
export function timestampLiteral(micros: number): string {
  if (!Number.isSafeInteger(micros)) throw new SqlLiteralError(`Expected whole microseconds, got ${micros}.`);
  const ms = Math.floor(micros / 1000);
  const us = micros - ms * 1000;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `TIMESTAMP '${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(us).padStart(3, '0')}'`;
}
