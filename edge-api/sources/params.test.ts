import { describe, expect, it } from 'vitest';
import { bindParams, compileNamedParams, originalOffset } from './params.ts';

describe('compileNamedParams', () => {
  it('numbers distinct names for PostgreSQL and reuses the number for a repeated name', () => {
    const compiled = compileNamedParams('SELECT * FROM t WHERE a >= :start AND b < :end OR c = :start', 'postgresql');
    expect(compiled.text).toBe('SELECT * FROM t WHERE a >= $1 AND b < $2 OR c = $1');
    expect(compiled.names).toEqual(['start', 'end']);
  });

  it('writes one ? per occurrence for MySQL', () => {
    const compiled = compileNamedParams('SELECT * FROM t WHERE a >= :start AND c = :start', 'mysql');
    expect(compiled.text).toBe('SELECT * FROM t WHERE a >= ? AND c = ?');
    expect(compiled.names).toEqual(['start', 'start']);
  });

  it('leaves casts, strings, quoted identifiers, comments and dollar quotes alone', () => {
    const sql = `SELECT x::int, ':a', E'\\':b', "c:d", $tag$ :e $tag$ -- :f\n/* :g */ FROM t WHERE y = :h`;
    expect(compileNamedParams(sql, 'postgresql')).toMatchObject({ text: sql.replace(':h', '$1'), names: ['h'] });
    const mysql = "SELECT `a:b`, 'it\\'s :c', \"d :e\" # :f\nFROM t WHERE @v := 1 AND y = :h";
    expect(compileNamedParams(mysql, 'mysql')).toMatchObject({ text: mysql.replace(':h', '?'), names: ['h'] });
  });

  it('refuses positional placeholders', () => {
    expect(() => compileNamedParams('SELECT $1', 'postgresql')).toThrow(/name template parameters/);
    expect(() => compileNamedParams('SELECT ?', 'mysql')).toThrow(/name template parameters/);
    // `?` is a jsonb operator in PostgreSQL, not a placeholder.
    expect(compileNamedParams("SELECT doc ? 'k' FROM t", 'postgresql').names).toEqual([]);
  });
});

describe('placeholders and positions', () => {
  it('renders a custom placeholder per distinct name', () => {
    const compiled = compileNamedParams('SELECT :a, :b, :a', 'postgresql', { placeholder: (n, name) => `p${n}_${name}` });
    expect(compiled.text).toBe('SELECT p1_a, p2_b, p1_a');
  });

  it('drops statement terminators outside literals when asked, so the query can be wrapped', () => {
    const compiled = compileNamedParams("SELECT ';' AS s, :a ; -- done;\n", 'postgresql', { dropTerminators: true });
    expect(compiled.text).toBe("SELECT ';' AS s, $1  -- done;\n");
  });

  it('maps offsets in the compiled text back to the analyst text', () => {
    const original = 'SELECT :long_name, x FROM t WHERE y = :b AND zz';
    const compiled = compileNamedParams(original, 'postgresql');
    expect(compiled.text).toBe('SELECT $1, x FROM t WHERE y = $2 AND zz');
    for (const token of ['x FROM', 'zz', 'SELECT']) {
      expect(originalOffset(compiled, compiled.text.indexOf(token))).toBe(original.indexOf(token));
    }
    expect(originalOffset(compiled, compiled.text.indexOf('$2'))).toBe(original.indexOf(':b'));
  });
});

describe('bindParams', () => {
  it('orders values by placeholder and names the missing one', () => {
    const compiled = compileNamedParams('SELECT :b, :a, :b', 'mysql');
    expect(bindParams(compiled, { a: 1, b: 'x' })).toEqual(['x', 1, 'x']);
    expect(() => bindParams(compiled, { a: 1 })).toThrow(/uses :b but query_template_params has no "b"/);
    expect(() => bindParams(compiled, { a: 1, b: [1] })).toThrow(/not an array/);
  });
});

describe("the seed's Jinja-style parameters", () => {
  it('binds {{ name }} like :name, with or without spaces, and a quoted {{ name }} as the whole literal', () => {
    const sql = "SELECT * FROM t WHERE a >= {{ start }} AND b < {{end}} AND c = '{{ start }}'";
    expect(compileNamedParams(sql, 'postgresql')).toMatchObject({
      text: 'SELECT * FROM t WHERE a >= $1 AND b < $2 AND c = $1', names: ['start', 'end'],
    });
    expect(compileNamedParams(sql, 'mysql')).toMatchObject({
      text: 'SELECT * FROM t WHERE a >= ? AND b < ? AND c = ?', names: ['start', 'end', 'start'],
    });
  });

  it('leaves braces inside longer literals, comments and non-identifiers alone', () => {
    const sql = "SELECT '{{ a }} and more', '{\"k\": 1}' -- {{ b }}\nFROM t WHERE x = '{{ not an ident }}'";
    expect(compileNamedParams(sql, 'postgresql')).toMatchObject({ text: sql, names: [] });
  });

  it('maps an error position after a {{ name }} back to the analyst text', () => {
    const sql = 'SELECT {{ a }} FROM';
    const compiled = compileNamedParams(sql, 'postgresql');
    expect(originalOffset(compiled, compiled.text.indexOf('FROM'))).toBe(sql.indexOf('FROM'));
  });
});
