// The LF notebook: the pipeline's samples loaded in the data worker, one cell per LF with live statistics,
// SQL cells, the LF summary and the sample browser. Only the edited LF's vote column is recomputed.
import { useCallback, useEffect, useMemo, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import type { LfStats } from '../../../shared/analysis/analyze.ts';
import type { Catalog } from '../../../shared/schema/asset.ts';
import type { Concept } from '../../../shared/schema/concept.ts';
import { lfDefinitionOf, type LabelingFunction } from '../../../shared/schema/labeling-function.ts';
import type { AssetColumn } from '../../../shared/lf/types.ts';
import type { LfFailure, LfResult, SampleRow } from '../analysis/lf-session.ts';
import { api } from '../api/client.ts';
import { listModels, uploadModel, type ModelInfo } from '../api/models.ts';
import type { PipelineNode } from '../canvas/graph.ts';
import { publishRowType } from '../editor/custom-lf-row-type.ts';
import { runCustomLf, runPythonLf } from '../sandbox/custom-lf.ts';
import { pythonConstantName } from '../../../shared/lf/python.ts';
import { draftProblem, lfBody, type LfDraft } from '../studio/lf-definitions.ts';
import { ensureLoaded, markApplied, pipelineAssets } from '../studio/workspace.ts';
import { dataWorker } from '../studio/workers.ts';
import type { LoadResult } from '../workers/studio-data.worker.ts';
import { LfCell } from './LfCell.tsx';
import { withModel } from './model-lf-draft.ts';
import { LfSummary, type SummaryRow } from './LfSummary.tsx';
import { SampleBrowser } from './SampleBrowser.tsx';
import { SqlCell } from './SqlCell.tsx';

export interface NotebookCell { id: string; kind: 'lf' | 'sql'; lfId?: string; sql?: string }

type Summary = Awaited<ReturnType<ReturnType<typeof dataWorker>['summary']>>;

const newCellId = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

/** The text a new LF most likely reads: a column named like free text, else the first text column. */
function textColumn(columns: AssetColumn[]): string {
  const strings = columns.filter((c) => c.type === 'string');
  return strings.find((c) => /^(text|body|content|comment|message)$/i.test(c.name))?.name ?? strings[0]?.name ?? columns[0]?.name ?? 'text';
}

/** A Snorkel-style Python LF voting the class at `label` (by its constant) on rows whose text has a link. */
function pythonStarterLf(columns: AssetColumn[], label: number, classes: readonly string[]): LfDraft {
  const constant = pythonConstantName(classes[label] ?? '') ?? String(label);
  return {
    type: 'custom', language: 'python', allowed_imports: [], name: `python_lf_${Math.floor(Math.random() * 1000)}`, label,
    code: `def lf(x):\n    return ${constant} if "http" in (x.${textColumn(columns)} or "") else ABSTAIN\n`,
  };
}

function starterLf(type: LfDraft['type'], columns: AssetColumn[], label: number): LfDraft {
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

/** A definition as the API gives it back: a custom LF's language and imports spelled out, keys in one order. */
function canonical(d: LfDraft): string {
  const { active: _active, ...def } = d;
  const full: Record<string, unknown> = def.type === 'custom'
    ? { ...def, language: def.language ?? 'typescript', allowed_imports: def.language === 'python' ? def.allowed_imports ?? [] : null }
    : def;
  return JSON.stringify(full, Object.keys(full).sort());
}
const sameDefinition = (a: LfDraft, b: LfDraft) => canonical(a) === canonical(b);

export function Notebook({ concept, catalog, nodes, cells, setCells, onLfsChanged }: {
  concept: Concept; catalog: Catalog; nodes: PipelineNode[]; cells: NotebookCell[];
  setCells: Dispatch<SetStateAction<NotebookCell[]>>; onLfsChanged: () => void;
}) {
  const cId = concept.c_id;
  const values = concept.values;
  const k = values.length;
  const assets = useMemo(() => pipelineAssets(nodes, catalog), [nodes, catalog]);
  const assetsKey = 'problem' in assets ? '' : assets.key;
  const [load, setLoad] = useState<{ phase: 'idle' | 'loading' | 'ready' | 'error'; result?: LoadResult; message?: string }>({ phase: 'idle' });
  const [lfs, setLfs] = useState<LabelingFunction[] | null>(null);
  const [drafts, setDrafts] = useState<Record<string, LfDraft>>({});
  const [results, setResults] = useState<Record<string, LfResult | LfFailure>>({});
  const [summary, setSummary] = useState<Summary | null>(null);
  const [saving, setSaving] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [version, setVersion] = useState(0);
  /** The cell the user added last: it scrolls into view with its first field focused. */
  const [justAdded, setJustAdded] = useState<string>();
  const draftsRef = useRef(drafts);
  draftsRef.current = drafts;

  const slotOf = (cell: NotebookCell) => cell.lfId ?? cell.id;
  const lfById = useMemo(() => new Map((lfs ?? []).map((lf) => [lf.lf_id, lf])), [lfs]);

  // Approvers and admins approve custom LFs from their cells (the API checks the role again).
  const [role, setRole] = useState<string>();
  useEffect(() => { api<{ role: string }>('GET', '/api/me').then((me) => setRole(me.role), () => undefined); }, []);
  const canApprove = role === 'approver' || role === 'admin';

  // Uploaded models, for model LF cells; refreshed after an upload from a cell.
  const [models, setModels] = useState<ModelInfo[]>([]);
  useEffect(() => { listModels(cId).then(setModels, () => undefined); }, [cId]);

  const refreshLfs = useCallback(() => api<LabelingFunction[]>('GET', `/api/concepts/${cId}/labeling-functions`).then(setLfs, (e: unknown) => setError((e as Error).message)), [cId]);
  useEffect(() => { void refreshLfs(); }, [refreshLfs]);

  // Every stored LF has a cell (new ones appended), and cells of deleted LFs or lost drafts go.
  useEffect(() => {
    if (!lfs) return;
    setCells((current) => {
      const known = new Set(lfs.map((lf) => lf.lf_id));
      const kept = current.filter((c) => c.kind === 'sql' || (c.lfId ? known.has(c.lfId) : draftsRef.current[c.id] !== undefined));
      const present = new Set(kept.map((c) => c.lfId));
      const added = lfs.filter((lf) => !present.has(lf.lf_id)).map((lf): NotebookCell => ({ id: `lf-${lf.lf_id}`, kind: 'lf', lfId: lf.lf_id }));
      return added.length || kept.length !== current.length ? [...kept, ...added] : current;
    });
    setDrafts((d) => {
      const next = { ...d };
      for (const lf of lfs) next[`lf-${lf.lf_id}`] ??= lfDefinitionOf(lf);
      return next;
    });
  }, [lfs, setCells]);

  useEffect(() => {
    if (!assetsKey || 'problem' in assets) return;
    let live = true;
    setLoad({ phase: 'loading' });
    ensureLoaded(assets, k).then(async (result) => {
      const gold = await api<{ sample_key: string; label: number }[]>('GET', `/api/concepts/${cId}/gold-labels`).catch(() => []);
      await dataWorker().setGoldByKey(gold.map((g) => ({ key: g.sample_key, label: g.label })));
      if (!live) return;
      setResults({});
      setLoad({ phase: 'ready', result });
      publishRowType(result.rowType);
    }, (e: unknown) => live && setLoad({ phase: 'error', message: (e as Error).message }));
    return () => { live = false; };
  }, [assetsKey, k, cId]); // eslint-disable-line react-hooks/exhaustive-deps

  const refreshSummary = useCallback(async () => {
    setSummary(await dataWorker().summary());
    setVersion((v) => v + 1);
  }, []);

  /** Recomputes one cell's votes (the one edited) and the summary; records reef:lf-update from edit to new numbers. */
  const applyCell = useCallback(async (cell: NotebookCell, draft: LfDraft) => {
    if (draft.type === 'custom') return;
    // An incomplete draft votes on nothing (and changes no other LF's overlaps) until it has a valid definition.
    const problem = draftProblem(draft);
    if (problem) {
      await dataWorker().removeLf(slotOf(cell));
      setResults((r) => ({ ...r, [cell.id]: { slot: slotOf(cell), code: 'INCOMPLETE', message: problem } }));
      await refreshSummary();
      return;
    }
    const mark = performance.mark(`reef:lf-update:start:${cell.id}`);
    const { result, summary: next } = await dataWorker().setLf(slotOf(cell), draft);
    // The answer is here: what follows until the frame is React rendering the numbers.
    const answeredMs = performance.now() - mark.startTime;
    setResults((r) => ({ ...r, [cell.id]: result }));
    setSummary(next);
    setVersion((v) => v + 1);
    requestAnimationFrame(() => performance.measure('reef:lf-update', {
      start: mark.name,
      detail: { lf: draft.name, type: draft.type, answeredMs, ...('ms' in result ? { workerMs: result.ms + (result.phases.summary ?? 0), phases: result.phases } : {}) },
    }));
    const saved = cell.lfId ? lfById.get(cell.lfId) : undefined;
    if (saved) markApplied(saved.lf_id, sameDefinition(draft, lfDefinitionOf(saved)) && !('code' in result) ? saved.version : undefined);
  }, [refreshSummary, lfById]);

  const runCustom = useCallback(async (cell: NotebookCell) => {
    const draft = draftsRef.current[cell.id];
    if (draft?.type !== 'custom') return;
    const outcome = draft.language === 'python'
      ? await runPythonLf(draft.code, draft.allowed_imports ?? [], concept.values)
      : await runCustomLf(draft.code, `file:///reef-lf-${cell.id}.ts`, k);
    if ('message' in outcome) {
      setResults((r) => ({ ...r, [cell.id]: { slot: slotOf(cell), code: outcome.code, message: outcome.message } }));
      return;
    }
    const { result, summary: next } = await dataWorker().setVotes(slotOf(cell), draft.name, outcome.votes);
    setResults((r) => ({ ...r, [cell.id]: { ...result, ms: outcome.ms } }));
    setSummary(next);
    setVersion((v) => v + 1);
    const saved = cell.lfId ? lfById.get(cell.lfId) : undefined;
    if (saved?.active) markApplied(saved.lf_id, sameDefinition(draft, lfDefinitionOf(saved)) ? saved.version : undefined);
  }, [k, refreshSummary, lfById]);

  // Once the samples are loaded, every LF cell gets its votes (custom ones when run).
  useEffect(() => {
    if (load.phase !== 'ready') return;
    (async () => {
      for (const cell of cells) {
        const draft = draftsRef.current[cell.id];
        if (cell.kind === 'lf' && draft && !results[cell.id]) await applyCell(cell, draft);
      }
    })().catch((e: unknown) => setError((e as Error).message));
  }, [load.phase, cells, drafts]); // eslint-disable-line react-hooks/exhaustive-deps

  const change = (cell: NotebookCell, draft: LfDraft) => {
    setDrafts((d) => ({ ...d, [cell.id]: draft }));
    if (load.phase === 'ready') void applyCell(cell, draft);
  };

  const addLf = (type: LfDraft['type'], language?: 'python') => {
    const id = newCellId('draft');
    const columns = load.result?.columns as AssetColumn[] | undefined ?? [];
    const starter = language === 'python' ? pythonStarterLf(columns, k - 1, concept.values) : starterLf(type, columns, k - 1);
    // A new model LF starts on the latest upload, if there is one.
    const latest = models[models.length - 1];
    setDrafts((d) => ({ ...d, [id]: starter.type === 'model' && latest ? withModel(starter, latest, columns) : starter }));
    setCells((c) => [...c, { id, kind: 'lf' }]);
    setJustAdded(id);
  };

  const save = async (cell: NotebookCell) => {
    const draft = drafts[cell.id]!;
    setSaving(cell.id);
    setError(undefined);
    try {
      if (cell.lfId) {
        await api('PATCH', `/api/concepts/${cId}/labeling-functions/${cell.lfId}`, lfBody(draft));
      } else {
        const created = await api<LabelingFunction>('POST', `/api/concepts/${cId}/labeling-functions/${draft.type}`, lfBody(draft));
        // The draft's votes move from its cell slot to the LF's id.
        await dataWorker().removeLf(cell.id);
        const savedCell: NotebookCell = { id: `lf-${created.lf_id}`, kind: 'lf', lfId: created.lf_id };
        setDrafts((d) => ({ ...d, [savedCell.id]: draft }));
        setCells((cs) => cs.map((c) => (c.id === cell.id ? savedCell : c)));
        if (draft.type !== 'custom') {
          const { result } = await dataWorker().setLf(created.lf_id, draft);
          setResults((r) => ({ ...r, [savedCell.id]: result }));
        }
      }
      await refreshLfs();
      await refreshSummary();
      onLfsChanged();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(null);
    }
  };

  const remove = async (cell: NotebookCell) => {
    if (cell.lfId && !window.confirm(`Delete the labeling function "${drafts[cell.id]?.name}"?`)) return;
    if (cell.kind === 'lf') await dataWorker().removeLf(slotOf(cell)).catch(() => undefined);
    if (cell.lfId) {
      await api('DELETE', `/api/concepts/${cId}/labeling-functions/${cell.lfId}`).catch((e: unknown) => setError((e as Error).message));
      markApplied(cell.lfId, undefined);
      await refreshLfs();
      onLfsChanged();
    }
    setCells((cs) => cs.filter((c) => c.id !== cell.id));
    if (load.phase === 'ready') await refreshSummary();
  };

  /** Uploads a model from a model LF's cell and points that LF at it. */
  const uploadFor = async (cell: NotebookCell, file: File) => {
    setError(undefined);
    try {
      const model = await uploadModel(cId, file);
      setModels((ms) => [...ms, model]);
      const draft = draftsRef.current[cell.id];
      if (draft?.type === 'model') change(cell, withModel(draft, model, (load.result?.columns ?? []) as AssetColumn[]));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const approve = async (cell: NotebookCell) => {
    if (!cell.lfId) return;
    setError(undefined);
    try {
      await api('POST', `/api/concepts/${cId}/labeling-functions/${cell.lfId}/approve`);
      await refreshLfs();
      onLfsChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const label = async (row: SampleRow, labelIndex: number | null) => {
    try {
      await api('PUT', `/api/concepts/${cId}/gold-labels`, { labels: [{ sample_key: row.key, label: labelIndex }] });
      await dataWorker().setGoldByKey([{ key: row.key, label: labelIndex ?? -1 }]);
      await refreshSummary();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  // Cells are memoized and may hold an older handler; through this ref every handler sees the latest state.
  const handlers = useRef({ change, save, remove, runCustom, approve, uploadFor });
  handlers.current = { change, save, remove, runCustom, approve, uploadFor };

  const statsBySlot = new Map<string, LfStats>((summary?.lfs ?? []).map((l) => [l.slot, l.stats]));
  const lfCells = cells.filter((c) => c.kind === 'lf' && drafts[c.id]);
  const summaryRows: SummaryRow[] = lfCells.flatMap((c) => {
    const stats = statsBySlot.get(slotOf(c));
    const d = drafts[c.id]!;
    return stats ? [{ slot: slotOf(c), name: d.name, type: d.type, label: values[d.label] ?? String(d.label), stats }] : [];
  });
  const columns = (load.result?.columns ?? []) as AssetColumn[];

  return (
    <section className="notebook" aria-label="LF notebook">
      <div className="notebook-toolbar">
        <h2>LF notebook</h2>
        {'problem' in assets && <span className="muted">{assets.problem}</span>}
        {load.phase === 'loading' && <span className="muted">Loading samples…</span>}
        {load.phase === 'ready' && load.result && (
          <span className="muted" data-testid="samples-loaded">{load.result.n.toLocaleString('en-US')} samples loaded ({load.result.fromCache ? 'from cache' : 'downloaded'}, {load.result.ms.toFixed(0)} ms)</span>
        )}
        {load.phase === 'error' && <span role="alert" className="error">{load.message}</span>}
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      <div className="notebook-toolbar">
        <button type="button" onClick={() => addLf('regex')} disabled={load.phase !== 'ready'}>+ Regex LF</button>
        <button type="button" onClick={() => addLf('template')} disabled={load.phase !== 'ready'}>+ Template LF</button>
        <button type="button" onClick={() => addLf('sql')} disabled={load.phase !== 'ready'}>+ SQL LF</button>
        <button type="button" onClick={() => addLf('custom')} disabled={load.phase !== 'ready'}>+ Custom LF</button>
        <button type="button" onClick={() => addLf('custom', 'python')} disabled={load.phase !== 'ready'}>+ Python LF</button>
        <button type="button" onClick={() => addLf('model')} disabled={load.phase !== 'ready'}>+ Model LF</button>
        <button type="button" onClick={() => setCells((c) => [...c, { id: newCellId('sql'), kind: 'sql', sql: 'SELECT count(*) AS samples FROM samples' }])} disabled={load.phase !== 'ready'}>+ SQL cell</button>
      </div>
      {cells.map((cell) => {
        if (cell.kind === 'sql') {
          return <SqlCell key={cell.id} sql={cell.sql ?? ''} onChange={(sql) => setCells((cs) => cs.map((c) => (c.id === cell.id ? { ...c, sql } : c)))} onRemove={() => void remove(cell)} />;
        }
        const draft = drafts[cell.id];
        if (!draft) return null;
        const saved = cell.lfId ? lfById.get(cell.lfId) : undefined;
        const result = results[cell.id];
        const live = result && 'stats' in result ? { ...result, stats: statsBySlot.get(slotOf(cell)) ?? result.stats } : result;
        return (
          <LfCell key={cell.id} cellId={cell.id} justAdded={cell.id === justAdded} draft={draft} columns={columns} models={models} values={values} result={live}
            dirty={saved ? !sameDefinition(draft, lfDefinitionOf(saved)) : true} unsaved={!saved} saving={saving === cell.id}
            pendingApproval={draft.type === 'custom' && !(saved?.active)}
            // Only saved, unedited code can be approved: what the approver reads is what runs.
            onApprove={canApprove && saved && draft.type === 'custom' && !saved.active && sameDefinition(draft, lfDefinitionOf(saved)) ? () => void handlers.current.approve(cell) : undefined}
            onChange={(d) => handlers.current.change(cell, d)} onSave={() => void handlers.current.save(cell)}
            onRemove={() => void handlers.current.remove(cell)} onRunCustom={() => void handlers.current.runCustom(cell)}
            onUploadModel={(file) => void handlers.current.uploadFor(cell, file)} />
        );
      })}
      {load.phase === 'ready' && (
        <>
          <LfSummary rows={summaryRows} values={values} overall={summary ? { ...summary.overall } : undefined} />
          <SampleBrowser lfs={summaryRows.map((r) => ({ slot: r.slot, name: r.name }))} values={values} version={version} onLabel={(r, l) => void label(r, l)} />
        </>
      )}
    </section>
  );
}
