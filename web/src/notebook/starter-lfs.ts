// What a new LF cell starts with: a definition of its type over the samples' most likely text column.
import type { AssetColumn } from '../../../shared/lf/types.ts';
import { pythonConstantName } from '../../../shared/lf/python.ts';
import type { LfDraft } from '../studio/lf-definitions.ts';

/** The text a new LF most likely reads: a column named like free text, else the first text column. */
function textColumn(columns: AssetColumn[]): string {
  const strings = columns.filter((c) => c.type === 'string');
  return strings.find((c) => /^(text|body|content|comment|message)$/i.test(c.name))?.name ?? strings[0]?.name ?? columns[0]?.name ?? 'text';
}

/** A Snorkel-style Python LF voting the class at `label` (by its constant) on rows whose text has a link. */
export function pythonStarterLf(columns: AssetColumn[], label: number, classes: readonly string[]): LfDraft {
  const constant = pythonConstantName(classes[label] ?? '') ?? String(label);
  return {
    type: 'custom', language: 'python', allowed_imports: [], name: `python_lf_${Math.floor(Math.random() * 1000)}`, label,
    code: `def lf(x):\n    return ${constant} if "http" in (x.${textColumn(columns)} or "") else ABSTAIN\n`,
  };
}

export function starterLf(type: LfDraft['type'], columns: AssetColumn[], label: number): LfDraft {
  const text = textColumn(columns);
  const name = `${type}_lf_${Math.floor(Math.random() * 1000)}`;
  switch (type) {
    case 'regex': return { type, name, label, field: text, pattern: '', case_insensitive: true };
    case 'template': return { type, name, label, field: text, operator: 'contains', value: '' };
    case 'sql': return { type, name, label, expression: `length(${text}) > 100` };
    case 'custom': return { type, name, label, code: `(row: Row) => (row[${JSON.stringify(text)}] ?? '').includes('http') ? ${label} : ABSTAIN` };
    // The cell's form picks the model and maps one numeric column per model feature.
    case 'model': return { type, name, label, model_id: '', columns: columns.filter((c) => c.type !== 'string' && c.type !== 'timestamp').slice(0, 1).map((c) => c.name), output_class: 0, threshold: 0.5, scores: 'probabilities' };
  }
}
