// The notebook's LF drafts: engine definitions (shared/schema/labeling-function.ts) and the API bodies that save them.
import { LfDefinition, templateValueProblem } from '../../../shared/schema/labeling-function.ts';

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

/**
 * What the draft still lacks before it can vote (a new regex cell's empty pattern would match every row), or
 * undefined when it is complete. The same schema the API saves with, plus the template value the operator needs.
 */
export function draftProblem(draft: LfDraft): string | undefined {
  const { active: _active, ...def } = draft;
  const parsed = LfDefinition.safeParse(def);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') || 'definition';
    return `Fill in the ${field === 'pattern' ? 'pattern' : field === 'expression' ? 'SQL expression' : field} to see this LF's votes.`;
  }
  if (def.type !== 'template') return undefined;
  if (def.value === '' && def.operator !== 'is_null' && def.operator !== 'not_null') return 'Fill in the value to see this LF\'s votes.';
  return templateValueProblem(def.operator, def.value);
}
