// One LF as a notebook cell: its form (or TypeScript editor), and its live statistics and matching samples.
import { memo, useEffect, useRef } from 'react';
import type { LfStats } from '../../../shared/analysis/analyze.ts';
import { TemplateOperator } from '../../../shared/schema/labeling-function.ts';
import type { AssetColumn, TemplateValue } from '../../../shared/lf/types.ts';
import type { LfFailure, LfResult } from '../analysis/lf-session.ts';
import { LazyCodeEditor } from '../editor/LazyCodeEditor.tsx';
import { pythonConstantName } from '../../../shared/lf/python.ts';
import type { LfDraft } from '../studio/lf-definitions.ts';
import type { ModelInfo } from '../api/models.ts';
import { ModelLfForm } from './ModelLfForm.tsx';

const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

export function LfStatsLine({ stats, values, ms }: { stats: LfStats; values: string[]; ms?: number }) {
  const labelled = (stats.correct ?? 0) + (stats.incorrect ?? 0);
  return (
    <div className="stats" data-testid="lf-stats">
      <span>Coverage <b>{pct(stats.coverage)}</b></span>
      <span>Overlaps <b>{pct(stats.overlaps)}</b></span>
      <span>Conflicts <b>{pct(stats.conflicts)}</b></span>
      <span>Polarity <b>{stats.polarity.length ? stats.polarity.map((p) => values[p] ?? p).join(', ') : '—'}</b></span>
      <span>Emp. accuracy <b>{labelled ? `${pct(stats.empiricalAccuracy)} (${stats.correct}/${labelled})` : 'no gold labels hit'}</b></span>
      {ms !== undefined && <span className="muted">{ms.toFixed(1)} ms</span>}
    </div>
  );
}

/** Parses the value box of a template LF by the operator and the field's type. */
export function parseTemplateValue(text: string, operator: string, column: AssetColumn | undefined): TemplateValue {
  if (operator === 'is_null' || operator === 'not_null') return null;
  const scalar = (t: string) => {
    const s = t.trim();
    if (column && (column.type === 'integer' || column.type === 'float') && s !== '' && Number.isFinite(Number(s))) return Number(s);
    if (column?.type === 'boolean' && (s === 'true' || s === 'false')) return s === 'true';
    return s;
  };
  if (operator === 'in' || operator === 'not_in') return text.split(',').map(scalar).filter((v) => v !== '');
  return scalar(text);
}

const valueText = (v: TemplateValue | undefined) => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v));

function LfCellView({ cellId, draft, columns, models, values, result, dirty, unsaved, saving, onChange, onSave, onRemove, onRunCustom, onUploadModel, pendingApproval, onApprove, justAdded }: {
  cellId: string;
  /** A cell the user just added: it scrolls into view with its first field focused (it appears below the others). */
  justAdded?: boolean;
  draft: LfDraft;
  columns: AssetColumn[];
  /** The concept's uploaded models, for model LFs. */
  models: ModelInfo[];
  values: string[];
  result: LfResult | LfFailure | undefined;
  dirty: boolean;
  unsaved: boolean;
  saving: boolean;
  pendingApproval: boolean;
  /** Set for an approver or admin when the saved custom LF awaits approval. */
  onApprove?: () => void;
  onChange: (d: LfDraft) => void;
  onSave: () => void;
  onRemove: () => void;
  onRunCustom: () => void;
  onUploadModel: (file: File) => void;
}) {
  const set = (patch: Partial<LfDraft>) => onChange({ ...draft, ...patch } as LfDraft);
  const fieldSelect = (field: string, onlyText: boolean) => (
    <label>Field
      <select value={field} onChange={(e) => set({ field: e.target.value } as Partial<LfDraft>)} aria-label="Field">
        {columns.filter((c) => !onlyText || c.type === 'string').map((c) => <option key={c.name} value={c.name}>{c.name} ({c.type})</option>)}
      </select>
    </label>
  );
  const article = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!justAdded || !article.current) return;
    article.current.scrollIntoView({ block: 'center' });
    // The field the user fills first, in this order (querySelector with a list would take the first in the page).
    const fields = ['[aria-label="Pattern"]', '[aria-label="Value"]', '[aria-label="SQL expression"]', '[aria-label="LF name"]'];
    fields.map((f) => article.current!.querySelector<HTMLElement>(f)).find(Boolean)?.focus();
  }, [justAdded]);
  const incomplete = result && 'code' in result && result.code === 'INCOMPLETE';
  return (
    <article ref={article} className="cell lf-cell" data-testid={`lf-cell-${draft.name}`}>
      <header>
        <span className="badge">{draft.type}</span>
        <input value={draft.name} onChange={(e) => set({ name: e.target.value })} aria-label="LF name" />
        <label>→ <select value={draft.label} onChange={(e) => set({ label: Number(e.target.value) })} aria-label="Label">
          {values.map((v, i) => <option key={v} value={i}>{v}</option>)}
        </select></label>
        {pendingApproval && <span className="badge warn" title="Custom LFs count in training once an approver approves them">preview only · awaiting approval</span>}
        {onApprove && <button type="button" className="primary" onClick={onApprove} title="Approve this code: the LF becomes active and counts in training">Approve</button>}
        <span className="spacer" />
        {(dirty || unsaved) && <span className="muted">{unsaved ? 'not saved' : 'edited'}</span>}
        <button type="button" onClick={onSave} disabled={saving || (!dirty && !unsaved) || !draft.name.trim()}>{saving ? 'Saving…' : 'Save'}</button>
        <button type="button" onClick={onRemove} aria-label={`Remove ${draft.name}`}>✕</button>
      </header>
      <div className="cell-form">
        {draft.type === 'regex' && (
          <>
            {fieldSelect(draft.field, true)}
            <label>Pattern <input value={draft.pattern} onChange={(e) => set({ pattern: e.target.value })} aria-label="Pattern" size={32} /></label>
            <label><span>Case-insensitive</span><input type="checkbox" checked={draft.case_insensitive ?? false} onChange={(e) => set({ case_insensitive: e.target.checked })} /></label>
          </>
        )}
        {draft.type === 'template' && (
          <>
            {fieldSelect(draft.field, false)}
            <label>Operator
              <select value={draft.operator} aria-label="Operator" onChange={(e) => {
                const operator = e.target.value as TemplateOperator;
                set({ operator, value: parseTemplateValue(valueText(draft.value), operator, columns.find((c) => c.name === draft.field)) } as Partial<LfDraft>);
              }}>
                {TemplateOperator.options.map((op) => <option key={op} value={op}>{op}</option>)}
              </select>
            </label>
            {draft.operator !== 'is_null' && draft.operator !== 'not_null' && (
              <label>Value <input defaultValue={valueText(draft.value)} aria-label="Value"
                onChange={(e) => set({ value: parseTemplateValue(e.target.value, draft.operator, columns.find((c) => c.name === draft.field)) } as Partial<LfDraft>)} /></label>
            )}
          </>
        )}
        {draft.type === 'model' && <ModelLfForm draft={draft} columns={columns} models={models} onChange={onChange} onUpload={onUploadModel} />}
        {draft.type === 'sql' && (
          <label className="grow">SQL expression (true → vote)
            <input value={draft.expression} onChange={(e) => set({ expression: e.target.value })} aria-label="SQL expression" size={60} />
          </label>
        )}
      </div>
      {draft.type === 'custom' && (
        <>
          {draft.language === 'python' && (
            <div className="lf-form">
              <label className="grow">Allowed imports
                <input aria-label="Allowed imports" value={(draft.allowed_imports ?? []).join(', ')} placeholder="re, math"
                  onChange={(e) => set({ allowed_imports: e.target.value.split(',').map((m) => m.trim()).filter(Boolean) })} />
              </label>
              <span className="muted">Python, Snorkel-style: <code>def lf(x)</code>, columns as <code>x.text</code>, classes as {values.map((v) => pythonConstantName(v)).filter(Boolean).join(', ')} and ABSTAIN.</span>
            </div>
          )}
          {draft.language === 'python'
            ? <LazyCodeEditor language="python" label="Custom LF code" value={draft.code} onChange={(code) => set({ code })} onRun={onRunCustom} height={140} path={`file:///reef-lf-${cellId}.py`} />
            : <LazyCodeEditor language="typescript" label="Custom LF code" value={draft.code} onChange={(code) => set({ code })} onRun={onRunCustom} height={120} path={`file:///reef-lf-${cellId}.ts`} />}
          <button type="button" onClick={onRunCustom}>Run preview (Ctrl+Enter)</button>
        </>
      )}
      {incomplete && <p role="status" className="muted">{result.message}</p>}
      {result && 'code' in result && !incomplete && <p role="alert" className="error">{result.message}</p>}
      {result && 'stats' in result && (
        <>
          <LfStatsLine stats={result.stats} values={values} ms={result.ms} />
          {result.samples.length > 0 && (
            <ul className="samples">{result.samples.map((s) => <li key={s.row}><b>{s.key}</b> {Object.entries(s.fields).filter(([k]) => k !== 'id').map(([, v]) => v).join(' · ').slice(0, 160)}</li>)}</ul>
          )}
        </>
      )}
    </article>
  );
}

type LfCellProps = Parameters<typeof LfCellView>[0];

/**
 * Cells re-render only when what they show changes: an edit re-renders its own cell and those whose numbers moved,
 * not all of them (the notebook's main thread stays idle while the data worker works). Handlers are left out of
 * the comparison: the notebook's handlers read its latest state through a ref, so an older one does the same.
 */
function sameCellProps(a: LfCellProps, b: LfCellProps): boolean {
  return a.cellId === b.cellId && a.justAdded === b.justAdded && a.draft === b.draft && a.columns === b.columns && a.models === b.models && a.values === b.values
    && a.dirty === b.dirty && a.unsaved === b.unsaved && a.saving === b.saving && a.pendingApproval === b.pendingApproval
    && !a.onApprove === !b.onApprove && (a.result === b.result || JSON.stringify(a.result) === JSON.stringify(b.result));
}

export const LfCell = memo(LfCellView, sameCellProps);
