// The contract of custom LFs. A custom LF is TypeScript source holding exactly one function of one
// parameter, `(row: Row) => number`, returning a class index 0..k-1 or ABSTAIN (-1). Any other return value
// (a non-integer, out of range, a throw, a timeout) counts as ABSTAIN for that row and is reported. The vote must
// depend only on the row: the server runs each LF repeatedly on a sample, the clock moved, and refuses one whose
// votes change (Math.random, Date.now, state kept between rows) as CUSTOM_LF_NONDETERMINISTIC.
// It runs in a sandbox (browser and server issues); Node-side source checks live in
// edge-api/security/custom-lf-check.ts, because the TypeScript compiler is not part of shared/.
import { ABSTAIN, type AssetSchema, type ColumnType } from './types.ts';

/** How each column type reaches a custom LF's `row`: null when the value is missing. */
const TS_TYPE: Record<ColumnType, string> = {
  integer: 'number', // integers past ±2^53 arrive rounded; use a template or SQL LF for exact huge-integer tests
  float: 'number',
  string: 'string',
  boolean: 'boolean',
  timestamp: 'Date',
};

/** TypeScript declarations for the Monaco editor and the type check: `Row` for this asset, and ABSTAIN. */
export function rowTypeSource(schema: AssetSchema): string {
  const fields = schema.columns.map((c) => `  readonly ${JSON.stringify(c.name)}: ${TS_TYPE[c.type]} | null;`);
  return [
    '/** One row of the asset the LF reads. */',
    'interface Row {',
    ...fields,
    '}',
    `/** Return this to cast no vote. */`,
    `declare const ABSTAIN: ${ABSTAIN};`,
    '',
  ].join('\n');
}

/** A custom LF's return value as a vote: integers in 0..k-1 count, anything else abstains. */
export function customVote(returned: unknown, k: number): number {
  return typeof returned === 'number' && Number.isInteger(returned) && returned >= 0 && returned < k ? returned : ABSTAIN;
}
