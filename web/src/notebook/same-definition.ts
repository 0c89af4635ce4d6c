// Whether a cell's draft is what the API has saved (its cell is clean, its votes are the saved version's).
import type { LfDraft } from '../studio/lf-definitions.ts';

/** A definition as the API gives it back: a custom LF's language and imports spelled out, keys in one order. */
function canonical(d: LfDraft): string {
  const { active: _active, ...def } = d;
  const full: Record<string, unknown> = def.type === 'custom'
    ? { ...def, language: def.language ?? 'typescript', allowed_imports: def.language === 'python' ? def.allowed_imports ?? [] : null }
    : def;
  return JSON.stringify(full, Object.keys(full).sort());
}

export const sameDefinition = (a: LfDraft, b: LfDraft) => canonical(a) === canonical(b);
