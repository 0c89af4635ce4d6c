import { describe, expect, it } from 'vitest';
import type { AssetColumn } from '../../../shared/lf/types.ts';
import type { ModelInfo } from '../api/models.ts';
import { fittedToModel, withModel, type ModelDraft } from './model-lf-draft.ts';

const columns: AssetColumn[] = [
  { name: 'text', type: 'string' },
  { name: 'likes', type: 'integer' },
  { name: 'score', type: 'float' },
  { name: 'verified', type: 'boolean' },
];

// Two inputs (3 and 2 features) and two outputs (a label, 4 class scores): a graph with a side input and a
// scikit-learn-style label output first.
const model: ModelInfo = {
  model_id: 'm1', c_id: 'c1', name: 'two-heads.onnx', bytes: 1, sha256: '', uploaded_at: '2026-11-26T00:00:00Z',
  inputs: [{ name: 'features', type: 'float32', shape: ['N', 3] }, { name: 'extra', type: 'float32', shape: ['N', 2] }],
  outputs: [{ name: 'label', type: 'int64', shape: ['N', 1] }, { name: 'scores', type: 'float32', shape: ['N', 4] }],
};

const draft: ModelDraft = {
  type: 'model', model_id: 'old', columns: ['score'], output_class: 0, threshold: 0.5, label: 1, input: 'extra', output: 'scores',
} as ModelDraft;

describe('model LF drafts', () => {
  it('pointed at a model, read its first tensors and map one numeric column per feature', () => {
    const next = withModel(draft, model, columns);
    expect(next.input).toBeUndefined();
    expect(next.output).toBeUndefined();
    expect(next.model_id).toBe('m1');
    // The mapped column is kept; the rest take the numeric columns in order.
    expect(next.columns).toEqual(['score', 'score', 'verified']);
    expect(next.output_class).toBe(0);
  });

  it('follow the width of the chosen input and the classes of the chosen output', () => {
    const start = withModel(draft, model, columns);
    const twoFeatures = fittedToModel({ ...start, input: 'extra' }, model, columns);
    expect(twoFeatures.columns).toEqual(['score', 'score']);
    const scored = fittedToModel({ ...twoFeatures, output: 'scores', output_class: 3 }, model, columns);
    expect(scored.output_class).toBe(3);
    // Back to the one-column label output: class 3 does not exist there.
    expect(fittedToModel({ ...scored, output: undefined }, model, columns).output_class).toBe(0);
  });
});
