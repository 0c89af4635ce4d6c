// LF definitions as the API stores them (type + config) and as the engines and the notebook's forms use them.
import type { LabelingFunction } from '../../../shared/schema/labeling-function.ts';
import type { LfDefinition, ModelLfFields } from '../../../shared/lf/types.ts';

export type LfDraft = LfDefinition & { active?: boolean };

/** The engine definition of a stored LF. */
export function definitionOf(lf: LabelingFunction): LfDefinition {
  const c = lf.config as Record<string, never>;
  switch (lf.lf_type) {
    case 'template': return { type: 'template', name: lf.name, label: lf.label, field: c.field, operator: c.operator, value: c.value ?? null };
    case 'regex': return { type: 'regex', name: lf.name, label: lf.label, field: c.field, pattern: c.pattern, case_insensitive: Boolean(c.case_insensitive) };
    case 'sql': return { type: 'sql', name: lf.name, label: lf.label, expression: c.expression };
    case 'custom': return { type: 'custom', name: lf.name, label: lf.label, code: c.code };
    case 'model': return { type: 'model', name: lf.name, label: lf.label, ...(lf.config as unknown as ModelLfFields) };
  }
}

/** The API body that creates (POST …/labeling-functions/{type}) or updates (PATCH) this LF. */
export function lfBody(def: LfDefinition): Record<string, unknown> {
  const { type: _type, ...rest } = def;
  if (def.type === 'template' && (def.operator === 'is_null' || def.operator === 'not_null')) {
    const { value: _value, ...withoutValue } = rest as Record<string, unknown>;
    return withoutValue;
  }
  return rest;
}
