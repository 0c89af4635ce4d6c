// The form of a model LF: which uploaded model, which numeric column feeds each of its features, which output class
// votes at which threshold, and whether the output is probabilities or logits. A model can be uploaded from here.
// A model with several inputs or outputs also gets a choice of tensor (by default the first of each).
import type { AssetColumn } from '../../../shared/lf/types.ts';
import type { TensorInfo } from '../../../shared/onnx/model-lf.ts';
import { modelWidths, type ModelInfo } from '../api/models.ts';
import { fittedToModel, isNumeric, withModel, type ModelDraft } from './model-lf-draft.ts';

export function ModelLfForm({ draft, columns, models, onChange, onUpload }: {
  draft: ModelDraft; columns: AssetColumn[]; models: ModelInfo[];
  onChange: (d: ModelDraft) => void; onUpload: (file: File) => void;
}) {
  const model = models.find((m) => m.model_id === draft.model_id);
  const { features, classes } = modelWidths(model, draft.input, draft.output);
  const numeric = columns.filter(isNumeric);
  const setColumn = (j: number, name: string) => onChange({ ...draft, columns: draft.columns.map((c, i) => (i === j ? name : c)) });
  return (
    <>
      <label>Model
        <select value={draft.model_id} aria-label="Model" onChange={(e) => {
          const picked = models.find((m) => m.model_id === e.target.value);
          if (picked) onChange(withModel(draft, picked, columns));
        }}>
          {!model && <option value={draft.model_id}>{models.length ? '— pick a model —' : '— upload a model —'}</option>}
          {models.map((m) => <option key={m.model_id} value={m.model_id}>{m.name} ({m.inputs[0]?.shape?.join('×') ?? '?'} → {m.outputs[0]?.shape?.join('×') ?? '?'})</option>)}
        </select>
      </label>
      <label>Upload .onnx
        <input type="file" accept=".onnx" aria-label="Upload model" onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) onUpload(file);
          e.target.value = '';
        }} />
      </label>
      {model && model.inputs.length > 1 && (
        <TensorPicker label="Input tensor" tensors={model.inputs} value={draft.input}
          onChange={(input) => onChange(fittedToModel({ ...draft, input }, model, columns))} />
      )}
      {model && model.outputs.length > 1 && (
        <TensorPicker label="Output tensor" tensors={model.outputs} value={draft.output}
          onChange={(output) => onChange(fittedToModel({ ...draft, output }, model, columns))} />
      )}
      <fieldset className="feature-map">
        <legend>Features{features === null ? '' : ` (${features})`}</legend>
        {draft.columns.map((name, j) => (
          <select key={j} value={name} aria-label={`Feature ${j}`} onChange={(e) => setColumn(j, e.target.value)}>
            {!numeric.some((c) => c.name === name) && <option value={name}>{name || '—'}</option>}
            {numeric.map((c) => <option key={c.name} value={c.name}>{c.name} ({c.type})</option>)}
          </select>
        ))}
        {features === null && (
          <>
            <button type="button" onClick={() => onChange({ ...draft, columns: [...draft.columns, numeric[0]?.name ?? ''] })} aria-label="Add feature">+</button>
            {draft.columns.length > 1 && <button type="button" onClick={() => onChange({ ...draft, columns: draft.columns.slice(0, -1) })} aria-label="Remove feature">−</button>}
          </>
        )}
      </fieldset>
      {/* biome-ignore lint/a11y/noLabelWithoutControl: both branches below are the label's control */}
      <label>Output class
        {classes === null
          ? <input type="number" min={0} step={1} value={draft.output_class} aria-label="Output class" onChange={(e) => onChange({ ...draft, output_class: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} />
          : (
            <select value={draft.output_class} aria-label="Output class" onChange={(e) => onChange({ ...draft, output_class: Number(e.target.value) })}>
              {Array.from({ length: classes }, (_, y) => <option key={y} value={y}>{y}</option>)}
            </select>
          )}
      </label>
      <label>Threshold (p ≥)
        <input type="number" min={0} max={1} step={0.01} value={draft.threshold} aria-label="Threshold"
          onChange={(e) => { const t = Number(e.target.value); if (e.target.value !== '' && t >= 0 && t <= 1) onChange({ ...draft, threshold: t }); }} />
      </label>
      <label>Output is
        <select value={draft.scores ?? 'probabilities'} aria-label="Scores" onChange={(e) => onChange({ ...draft, scores: e.target.value as ModelDraft['scores'] })}>
          <option value="probabilities">probabilities</option>
          <option value="logits">logits (softmax first)</option>
        </select>
      </label>
    </>
  );
}

function TensorPicker({ label, tensors, value, onChange }: {
  label: string; tensors: TensorInfo[]; value: string | undefined; onChange: (name: string | undefined) => void;
}) {
  return (
    <label>{label}
      <select value={value && value !== tensors[0].name ? value : ''} aria-label={label} onChange={(e) => onChange(e.target.value || undefined)}>
        {tensors.map((t, i) => (
          <option key={t.name} value={i === 0 ? '' : t.name}>{t.name} ({t.shape?.join('×') ?? '?'})</option>
        ))}
      </select>
    </label>
  );
}
