import { describe, expect, it } from 'vitest';
import { compileLf } from '../lf/compile.ts';
import { LfDefinition, lfConfigKeys, lfDefinitionOf, LfSnapshot, LfUpdate, RegexLfCreate } from './labeling-function.ts';

const schema = { columns: [{ name: 'text', type: 'string' as const }, { name: 'score', type: 'float' as const }] };

describe('lfDefinitionOf: one reading of a stored LF for the browser and the server', () => {
  it('gives the same definition whatever order PostgreSQL jsonb returns the config keys in', () => {
    // jsonb sorts keys by length: {"field","value","operator"}; the notebook compares definitions as JSON text.
    const stored = lfDefinitionOf({ name: 'empty', lf_type: 'template', label: 1, config: { field: 'text', value: null, operator: 'is_null' } });
    const typed = lfDefinitionOf({ name: 'empty', lf_type: 'template', label: 1, config: { field: 'text', operator: 'is_null', value: null } });
    expect(JSON.stringify(stored)).toBe(JSON.stringify(typed));
    expect(JSON.stringify(stored)).toBe('{"type":"template","name":"empty","label":1,"field":"text","operator":"is_null","value":null}');
  });

  it('fills the defaults both sides used to fill by hand (regex case_insensitive, model scores)', () => {
    expect(lfDefinitionOf({ name: 'r', lf_type: 'regex', label: 0, config: { field: 'text', pattern: 'spam' } as never }))
      .toEqual({ type: 'regex', name: 'r', label: 0, field: 'text', pattern: 'spam', case_insensitive: false });
    const model = lfDefinitionOf({
      name: 'm', lf_type: 'model', label: 1,
      config: { model_id: '7d1f3a52-6a0e-4d8c-9a53-2b8f0c1e4a11', columns: ['score'], output_class: 1, threshold: 0.5 } as never,
    });
    expect(model).toMatchObject({ type: 'model', scores: 'probabilities' });
  });

  it('compiles to the same votes from a stored null value as from an absent one', () => {
    const fromNull = compileLf(lfDefinitionOf({ name: 'n', lf_type: 'template', label: 1, config: { field: 'text', operator: 'is_null', value: null } }), schema, 2);
    const fromAbsent = compileLf({ type: 'template', name: 'n', label: 1, field: 'text', operator: 'is_null' }, schema, 2);
    expect(fromNull.duckdbSql).toBe(fromAbsent.duckdbSql);
  });

  it('refuses a stored config that is not its type\'s: a misspelt key, a wrong type, a negative class', () => {
    expect(() => lfDefinitionOf({ name: 'r', lf_type: 'regex', label: 0, config: { field: 'text', patern: 'x' } as never })).toThrow(/pattern/);
    expect(() => lfDefinitionOf({ name: 's', lf_type: 'sql', label: 0, config: { expression: 42 } as never })).toThrow(/expression/);
    expect(() => lfDefinitionOf({ name: 's', lf_type: 'sql', label: -1, config: { expression: 'x > 1' } })).toThrow(/label/);
  });
});

describe('the LF schemas are built from one config schema per type', () => {
  it('lists each type\'s config keys from its schema', () => {
    expect(lfConfigKeys).toEqual({
      template: ['template', 'field', 'operator', 'value'],
      regex: ['field', 'pattern', 'case_insensitive'],
      sql: ['expression'],
      custom: ['code', 'language', 'allowed_imports'],
      model: ['model_id', 'columns', 'input', 'output', 'output_class', 'threshold', 'scores'],
    });
  });

  it('a create body, a patch and a snapshot check the config the same way', () => {
    expect(RegexLfCreate.safeParse({ name: 'r', label: 0, field: 'text', pattern: '' }).success).toBe(false);
    expect(LfUpdate.safeParse({ pattern: '' }).success).toBe(false);
    expect(LfSnapshot.safeParse({ name: 'r', label: 0, label_name: 'HAM', lf_type: 'regex', config: { field: 'text', pattern: '' } }).success).toBe(false);
    expect(LfDefinition.safeParse({ type: 'regex', name: 'r', label: 0, field: 'text', pattern: '' }).success).toBe(false);
  });
});
