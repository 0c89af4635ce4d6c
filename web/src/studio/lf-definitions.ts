// The notebook's LF drafts: engine definitions (shared/schema/labeling-function.ts) and the API bodies that save them.
import type { LfDefinition } from '../../../shared/schema/labeling-function.ts';

export type LfDraft = LfDefinition & { active?: boolean };

/** The API body that creates (POST …/labeling-functions/{type}) or updates (PATCH) this LF. */
export function lfBody(def: LfDefinition): Record<string, unknown> {
  const { type: _type, ...rest } = def;
  if (def.type === 'template' && (def.operator === 'is_null' || def.operator === 'not_null')) {
    const { value: _value, ...withoutValue } = rest as Record<string, unknown>;
    return withoutValue;
  }
  return rest;
}
