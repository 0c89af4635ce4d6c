import { describe, expect, it } from 'vitest';
import { rowTypeSource } from '../../shared/lf/custom.ts';
import ts from 'typescript';
import { checkCustomLfCode } from './custom-lf-check.ts';

describe('checkCustomLfCode', () => {
  it.each([
    '(row: Row) => (row.text?.includes("free") ? 1 : ABSTAIN)',
    'row => row.score > 3 ? 1 : -1',
    'function spam(row: Row): number {\n  if (row.text === null) return ABSTAIN;\n  return /http/.test(row.text) ? 1 : ABSTAIN;\n}',
    '(function (row) { return 0; })',
    '  // a comment first\n(row: Row): number => 0;\n',
  ])('accepts %s', (code) => {
    expect(checkCustomLfCode(code)).toEqual({ ok: true });
  });

  it.each<[string, string, RegExp]>([
    ['a syntax error', '(row: Row) => {', /does not parse as TypeScript: '}' expected/],
    ['two statements', 'const x = 1;\n(row: Row) => x', /found 2 top-level statements/],
    ['no function', '1 + 1', /not a function/],
    ['two parameters', '(row: Row, extra: number) => 1', /takes 2 parameters/],
    ['no parameter', '() => 1', /takes 0 parameters/],
    ['a rest parameter', '(...rows: Row[]) => 1', /must take exactly one/],
    ['an import', 'import fs from "node:fs";\n(row: Row) => 1', /found 2 top-level statements/],
    ['dynamic import', '(row: Row) => { import("node:fs"); return 1; }', /import\(\) is not available in a custom LF \(line 1\)/],
    ['a class', 'class Lf { vote(row: Row) { return 1; } }', /not a function/],
  ])('refuses %s', (_name, code, message) => {
    const r = checkCustomLfCode(code);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('CUSTOM_LF_INVALID');
      expect(r.message).toMatch(message);
    }
  });
});

describe('rowTypeSource', () => {
  it('declares Row from the asset schema so a custom LF type-checks against it', () => {
    const declarations = rowTypeSource({ columns: [
      { name: 'text', type: 'string' }, { name: 'score', type: 'float' }, { name: 'odd "name"', type: 'boolean' }, { name: 'at', type: 'timestamp' },
    ] });
    const lf = 'const lf = (row: Row): number => row.text !== null && row.score !== null && row.score > 3 && row["odd \\"name\\""] && row.at instanceof Date ? 1 : ABSTAIN;';
    const bad = 'const bad = (row: Row): number => row.missing === 1 ? 1 : ABSTAIN;';
    const diagnostics = (code: string) => {
      const files: Record<string, string> = { 'row.d.ts': declarations, 'lf.ts': code };
      // Only the ES library and the generated declarations: no @types, as in the editor's sandboxed view.
      const options: ts.CompilerOptions = { strict: true, noEmit: true, lib: ['lib.es2022.d.ts'], types: [], skipLibCheck: true };
      const host = ts.createCompilerHost(options);
      const read = host.getSourceFile;
      host.getSourceFile = (name, version) => (files[name] !== undefined ? ts.createSourceFile(name, files[name], version) : read(name, version));
      const program = ts.createProgram(['row.d.ts', 'lf.ts'], options, host);
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
    };
    expect(diagnostics(lf)).toEqual([]);
    expect(diagnostics(bad)).toEqual([expect.stringMatching(/Property 'missing' does not exist on type 'Row'/)]);
  });
});
