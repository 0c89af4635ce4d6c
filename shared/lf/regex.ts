// Regex LFs. Dialect: ECMAScript regular expressions with the `u` flag (plus `i` when case-insensitive),
// executed by the JavaScript engine in the browser worker and on the server alike (V8 in both), so a pattern
// means the same everywhere by construction. DuckDB's regexp functions (RE2) are a different dialect
// (no lookaround, other case folding), so regex LFs have no DuckDB SQL form.
//
// ReDoS: a backtracking engine cannot be interrupted inside one exec() call, so patterns are checked before
// they run. checkRegexSafety refuses the shapes that backtrack exponentially — a repeated element that itself
// repeats ((a+)+, (\w+\s?)*), repeated alternatives that can start with the same character ((a|ab)*), and
// backreferences. Polynomial cases (\d+\d+x) remain possible on long rows; the server additionally runs
// scans in a worker thread it can terminate.
import { RegExpParser, type AST } from '@eslint-community/regexpp';
import type { ColumnBatch, StringColumn } from './column-batch.ts';
import { withoutNulls, zeroedMask, type CompiledCondition } from './condition.ts';
import { LfCompileError, type AssetColumn } from './types.ts';

export type RegexSafety = { ok: true } | { ok: false; reason: string };

interface ParsedPattern {
  ast: AST.Pattern;
  flags: string;
}

function parsePattern(pattern: string, caseInsensitive: boolean): ParsedPattern {
  const flags = caseInsensitive ? 'iu' : 'u';
  const ast = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(pattern, 0, pattern.length, { unicode: true });
  new RegExp(pattern, flags); // the engine that runs it must accept it too
  return { ast, flags };
}

export function checkRegexSafety(pattern: string, caseInsensitive = false): RegexSafety {
  let parsed: ParsedPattern;
  try {
    parsed = parsePattern(pattern, caseInsensitive);
  } catch (e) {
    return { ok: false, reason: `it does not compile: ${(e as Error).message}` };
  }
  const problem = findBacktrackingHazard(parsed.ast, caseInsensitive);
  return problem ? { ok: false, reason: problem } : { ok: true };
}

function findBacktrackingHazard(node: AST.Node, ci: boolean): string | null {
  switch (node.type) {
    case 'Backreference':
      return `backreference "${node.raw}" can take exponential time; match the text explicitly`;
    case 'Quantifier':
      if (node.max > 1) {
        const inner = findRepetition(node.element);
        if (inner) return `"${node.raw}" repeats "${inner}", which repeats itself (nested quantifiers backtrack exponentially); rewrite with one quantifier`;
        const ambiguous = findAmbiguousAlternation(node.element, ci);
        if (ambiguous) return `"${node.raw}" repeats "${ambiguous}", whose alternatives can start with the same character; make them start differently`;
      }
      return findBacktrackingHazard(node.element, ci);
    default:
      for (const child of childrenOf(node)) {
        const problem = findBacktrackingHazard(child, ci);
        if (problem) return problem;
      }
      return null;
  }
}

function childrenOf(node: AST.Node): AST.Node[] {
  switch (node.type) {
    case 'Pattern': case 'Group': case 'CapturingGroup': return node.alternatives;
    case 'Alternative': return node.elements;
    case 'Assertion': return node.kind === 'lookahead' || node.kind === 'lookbehind' ? node.alternatives : [];
    case 'Quantifier': return [node.element];
    default: return [];
  }
}

function findRepetition(node: AST.Node): string | null {
  if (node.type === 'Quantifier' && node.max > 1) return node.raw;
  for (const child of childrenOf(node)) {
    const found = findRepetition(child);
    if (found) return found;
  }
  return null;
}

function findAmbiguousAlternation(node: AST.Node, ci: boolean): string | null {
  if ((node.type === 'Group' || node.type === 'CapturingGroup') && node.alternatives.length > 1) {
    const firsts = node.alternatives.map((a) => firstChars(a.elements, ci));
    for (let i = 0; i < firsts.length; i++) {
      for (let j = i + 1; j < firsts.length; j++) if (overlaps(firsts[i], firsts[j])) return node.raw;
    }
  }
  for (const child of childrenOf(node)) {
    const found = findAmbiguousAlternation(child, ci);
    if (found) return found;
  }
  return null;
}

/** The characters a sequence can start with, or 'any' when that is not a plain set of characters. */
function firstChars(elements: AST.Element[], ci: boolean): Set<string> | 'any' {
  const first = elements[0];
  if (!first) return 'any';
  if (first.type === 'Character') return new Set([foldCase(String.fromCodePoint(first.value), ci)]);
  if ((first.type === 'Group' || first.type === 'CapturingGroup')) {
    const all = new Set<string>();
    for (const alt of first.alternatives) {
      const f = firstChars(alt.elements, ci);
      if (f === 'any') return 'any';
      for (const c of f) all.add(c);
    }
    return all;
  }
  if (first.type === 'Quantifier' && first.min > 0) return firstChars([first.element], ci);
  return 'any';
}

function foldCase(ch: string, ci: boolean): string {
  return ci ? ch.toLowerCase() : ch;
}

function overlaps(a: Set<string> | 'any', b: Set<string> | 'any'): boolean {
  if (a === 'any' || b === 'any') return true;
  for (const c of a) if (b.has(c)) return true;
  return false;
}

/** Whether any part of the pattern can consume '\n' (then a match could cross into the next row). */
function canMatchNewline(node: AST.Node): boolean {
  switch (node.type) {
    case 'Character': return node.value === 10;
    case 'CharacterClassRange': return node.min.value <= 10 && node.max.value >= 10;
    case 'CharacterSet':
      if (node.kind === 'any') return false; // '.' without the s flag
      if (node.kind === 'digit' || node.kind === 'word') return node.negate;
      if (node.kind === 'space') return !node.negate;
      return true; // Unicode properties: not worth proving
    case 'CharacterClass': {
      const listed = node.elements.some((e) => canMatchNewline(e as AST.Node));
      return node.negate ? !listed : listed;
    }
    case 'Backreference': return true;
    default: return childrenOf(node).some(canMatchNewline);
  }
}

function hasEdgeAssertion(node: AST.Node): boolean {
  if (node.type === 'Assertion' && (node.kind === 'start' || node.kind === 'end')) return true;
  return childrenOf(node).some(hasEdgeAssertion);
}

export interface CompiledRegex {
  /** Per-row semantics: the LF fires on a row when `rowRegex.test(rowText)` is true. */
  rowRegex: RegExp;
  /** Set when one scan over the '\n'-joined column gives the same answer (see scanRegex). */
  scanRegex: RegExp | null;
  anchored: boolean;
}

export function compileRegex(lf: string, pattern: string, caseInsensitive: boolean): CompiledRegex {
  let parsed: ParsedPattern;
  try {
    parsed = parsePattern(pattern, caseInsensitive);
  } catch (e) {
    throw new LfCompileError('BAD_PATTERN', lf, `pattern ${JSON.stringify(pattern)} does not compile as an ECMAScript regex: ${(e as Error).message}`);
  }
  const hazard = findBacktrackingHazard(parsed.ast, caseInsensitive);
  if (hazard) throw new LfCompileError('UNSAFE_PATTERN', lf, `pattern ${JSON.stringify(pattern)} is refused: ${hazard}.`);
  const anchored = hasEdgeAssertion(parsed.ast);
  const scannable = !canMatchNewline(parsed.ast);
  const source = withoutOuterDotStars(parsed.ast, pattern);
  return {
    rowRegex: new RegExp(source, parsed.flags),
    // With 'm', ^ and $ match at the '\n' between rows, i.e. at each row's start and end.
    scanRegex: scannable ? new RegExp(source, parsed.flags + 'g' + (anchored ? 'm' : '')) : null,
    anchored,
  };
}

/**
 * An LF asks whether a pattern matches somewhere, and `.*X.*` matches somewhere exactly when X does (the
 * `.*` may be empty). Analysts often write the outer `.*`; dropping it saves a factor of the row length
 * in backtracking (`.*free.*money` scans each row once per start position otherwise).
 */
function withoutOuterDotStars(ast: AST.Pattern, pattern: string): string {
  if (ast.alternatives.length !== 1) return pattern;
  const elements = ast.alternatives[0].elements;
  const isDotStar = (e: AST.Element | undefined) =>
    e?.type === 'Quantifier' && e.min === 0 && e.max === Infinity && e.element.type === 'CharacterSet' && e.element.kind === 'any';
  const first = isDotStar(elements[0]) ? 1 : 0;
  const last = elements.length > first && isDotStar(elements[elements.length - 1]) ? elements.length - 1 : elements.length;
  if (first === 0 && last === elements.length) return pattern;
  if (first >= last) return '';
  return pattern.slice(elements[first].start, elements[last - 1].end);
}

/**
 * Rows of a text column on which the regex matches (1) or not (0); null rows give 0.
 * Fast path: one pass of a global regex over the joined text; after a hit, it jumps to the next row.
 * It is exact when no part of the pattern can consume '\n' (a match then stays inside one row, and
 * lookarounds see '\n' at a row's edge, which they treat as they treat the edge of a string), and, for
 * patterns with ^ or $, when no row itself contains '\n'. Otherwise rows are tested one by one.
 */
export function regexMask(column: StringColumn, n: number, compiled: CompiledRegex, reuse?: Uint8Array): Uint8Array {
  const out = zeroedMask(n, reuse);
  const { text, offsets } = column;
  const scan = compiled.scanRegex;
  if (n === 0) return out;
  if (scan && !(compiled.anchored && column.hasNewline)) {
    scan.lastIndex = 0;
    let row = 0;
    while (scan.test(text)) {
      // A non-empty match ends inside its row or on the row's separator; an empty one starts there.
      const at = scan.lastIndex;
      while (offsets[row + 1] <= at) row++;
      out[row] = 1;
      if (row + 1 >= n) break;
      scan.lastIndex = offsets[row + 1];
    }
  } else {
    const re = compiled.rowRegex;
    for (let i = 0; i < n; i++) out[i] = +re.test(text.slice(offsets[i], offsets[i + 1] - 1));
  }
  return withoutNulls(out, column.nulls);
}

export function compileRegexCondition(lf: string, column: AssetColumn, pattern: string, caseInsensitive: boolean): CompiledCondition & { sql: null } {
  if (column.type !== 'string') {
    throw new LfCompileError('TYPE_MISMATCH', lf, `a regex needs a text column; "${column.name}" is ${column.type}.`);
  }
  const compiled = compileRegex(lf, pattern, caseInsensitive);
  return {
    sql: null,
    fields: [column.name],
    mask: (batch: ColumnBatch, reuse?: Uint8Array) => regexMask(batch.columns[column.name] as StringColumn, batch.length, compiled, reuse),
  };
}
