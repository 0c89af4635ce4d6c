// A model LF's draft kept consistent with its model: as many feature columns as the chosen input takes, and an
// output class the chosen output scores.
import type { AssetColumn, LfDefinition } from '../../../shared/lf/types.ts';
import { modelWidths, type ModelInfo } from '../api/models.ts';

export type ModelDraft = Extract<LfDefinition, { type: 'model' }>;

export const isNumeric = (c: AssetColumn) => c.type === 'integer' || c.type === 'float' || c.type === 'boolean';

/** The draft pointed at `model`, reading its first input and output tensors. */
export function withModel(draft: ModelDraft, model: ModelInfo, columns: AssetColumn[]): ModelDraft {
  const { input: _input, output: _output, ...rest } = draft;
  return fittedToModel({ ...rest, model_id: model.model_id }, model, columns);
}

/** One column per feature of the chosen input (kept where already mapped), and a class the chosen output scores. */
export function fittedToModel(draft: ModelDraft, model: ModelInfo, columns: AssetColumn[]): ModelDraft {
  const { features, classes } = modelWidths(model, draft.input, draft.output);
  const numeric = columns.filter(isNumeric).map((c) => c.name);
  const width = features ?? Math.max(1, draft.columns.length);
  const mapped = Array.from({ length: width }, (_, j) => draft.columns[j] ?? numeric[j] ?? numeric[0] ?? '');
  const outputClass = classes === null ? draft.output_class : Math.min(draft.output_class || classes - 1, classes - 1);
  return { ...draft, columns: mapped, output_class: outputClass };
}
