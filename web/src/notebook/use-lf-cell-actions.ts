// What a user does to LF cells and samples: edit, add, save, delete, approve, upload a model, label a sample. Each
// keeps the API, the data worker's votes and the cells in step, and reports a failure as the notebook's error.
import { useState, type Dispatch, type RefObject, type SetStateAction } from 'react';
import type { AssetColumn } from '../../../shared/lf/types.ts';
import type { SampleRow } from '../analysis/lf-session.ts';
import { putGoldLabels } from '../api/gold-labels.ts';
import { approveLf, createLf, deleteLf, updateLf } from '../api/labeling-functions.ts';
import { uploadModel, type ModelInfo } from '../api/models.ts';
import { lfBody, type LfDraft } from '../studio/lf-definitions.ts';
import { markApplied } from '../studio/workspace.ts';
import { dataWorker } from '../studio/workers.ts';
import { withModel } from './model-lf-draft.ts';
import { newCellId, slotOf, type NotebookCell } from './notebook-cell.ts';
import { pythonStarterLf, starterLf } from './starter-lfs.ts';
import type { Drafts } from './use-lf-drafts.ts';
import type { CellResults } from './use-lf-votes.ts';

export interface LfCellContext {
  cId: string; values: readonly string[]; ready: boolean; columns: AssetColumn[];
  drafts: Drafts; setDrafts: Dispatch<SetStateAction<Drafts>>; draftsRef: RefObject<Drafts>;
  setCells: Dispatch<SetStateAction<NotebookCell[]>>; setResults: Dispatch<SetStateAction<CellResults>>;
  models: ModelInfo[]; addModel: (model: ModelInfo) => void;
  applyCell: (cell: NotebookCell, draft: LfDraft) => Promise<void>;
  refreshLfs: () => Promise<void>; refreshSummary: () => Promise<void>; onLfsChanged: () => void;
  setError: Dispatch<SetStateAction<string | undefined>>;
}

export function useLfCellActions(ctx: LfCellContext) {
  const { cId, values, drafts, setDrafts, setCells, setResults, setError } = ctx;
  const k = values.length;
  const [saving, setSaving] = useState<string | null>(null);
  /** The cell the user added last: it scrolls into view with its first field focused. */
  const [justAdded, setJustAdded] = useState<string>();

  const change = (cell: NotebookCell, draft: LfDraft) => {
    setDrafts((d) => ({ ...d, [cell.id]: draft }));
    if (ctx.ready) void ctx.applyCell(cell, draft);
  };

  const addLf = (type: LfDraft['type'], language?: 'python') => {
    const id = newCellId('draft');
    const starter = language === 'python' ? pythonStarterLf(ctx.columns, k - 1, values) : starterLf(type, ctx.columns, k - 1);
    // A new model LF starts on the latest upload, if there is one.
    const latest = ctx.models[ctx.models.length - 1];
    setDrafts((d) => ({ ...d, [id]: starter.type === 'model' && latest ? withModel(starter, latest, ctx.columns) : starter }));
    setCells((c) => [...c, { id, kind: 'lf' }]);
    setJustAdded(id);
  };

  const save = async (cell: NotebookCell) => {
    const draft = drafts[cell.id]!;
    setSaving(cell.id);
    setError(undefined);
    try {
      if (cell.lfId) {
        await updateLf(cId, cell.lfId, lfBody(draft));
      } else {
        const created = await createLf(cId, draft.type, lfBody(draft));
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
      await ctx.refreshLfs();
      await ctx.refreshSummary();
      ctx.onLfsChanged();
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
      await deleteLf(cId, cell.lfId).catch((e: unknown) => setError((e as Error).message));
      markApplied(cell.lfId, undefined);
      await ctx.refreshLfs();
      ctx.onLfsChanged();
    }
    setCells((cs) => cs.filter((c) => c.id !== cell.id));
    if (ctx.ready) await ctx.refreshSummary();
  };

  /** Uploads a model from a model LF's cell and points that LF at it. */
  const uploadFor = async (cell: NotebookCell, file: File) => {
    setError(undefined);
    try {
      const model = await uploadModel(cId, file);
      ctx.addModel(model);
      const draft = ctx.draftsRef.current[cell.id];
      if (draft?.type === 'model') change(cell, withModel(draft, model, ctx.columns));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const approve = async (cell: NotebookCell) => {
    if (!cell.lfId) return;
    setError(undefined);
    try {
      await approveLf(cId, cell.lfId);
      await ctx.refreshLfs();
      ctx.onLfsChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  /** Sets (or, with null, removes) a sample's gold label from the sample browser. */
  const label = async (row: SampleRow, labelIndex: number | null) => {
    try {
      await putGoldLabels(cId, { labels: [{ sample_key: row.key, label: labelIndex }] });
      await dataWorker().setGoldByKey([{ key: row.key, label: labelIndex ?? -1 }]);
      await ctx.refreshSummary();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return { saving, justAdded, change, addLf, save, remove, uploadFor, approve, label };
}
