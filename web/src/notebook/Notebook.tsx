// The LF notebook: the pipeline's samples loaded in the data worker, one cell per LF with live statistics,
// SQL cells, the LF summary and the sample browser. State and API calls live in the use-*.ts hooks beside it.
import { useMemo, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import type { LfStats } from '../../../shared/analysis/analyze.ts';
import type { Catalog } from '../../../shared/schema/asset.ts';
import type { Concept } from '../../../shared/schema/concept.ts';
import { lfDefinitionOf } from '../../../shared/schema/labeling-function.ts';
import type { AssetColumn } from '../../../shared/lf/types.ts';
import type { PipelineNode } from '../canvas/graph.ts';
import { pipelineAssets } from '../studio/workspace.ts';
import { LfCell } from './LfCell.tsx';
import { LfSummary, type SummaryRow } from './LfSummary.tsx';
import { newCellId, slotOf, type NotebookCell } from './notebook-cell.ts';
import { AddCellButtons, NotebookStatus } from './NotebookToolbar.tsx';
import { sameDefinition } from './same-definition.ts';
import { SampleBrowser } from './SampleBrowser.tsx';
import { SqlCell } from './SqlCell.tsx';
import { useCanApprove } from './use-can-approve.ts';
import { useLfCellActions } from './use-lf-cell-actions.ts';
import { useLfDrafts } from './use-lf-drafts.ts';
import { useLfVotes, useVotesOnLoad } from './use-lf-votes.ts';
import { useModels } from './use-models.ts';
import { useSampleLoad } from './use-sample-load.ts';
import { useSavedLfs } from './use-saved-lfs.ts';

export function Notebook({ concept, catalog, nodes, cells, setCells, onLfsChanged }: {
  concept: Concept; catalog: Catalog; nodes: PipelineNode[]; cells: NotebookCell[];
  setCells: Dispatch<SetStateAction<NotebookCell[]>>; onLfsChanged: () => void;
}) {
  const cId = concept.c_id;
  const values = concept.values;
  const k = values.length;
  const assets = useMemo(() => pipelineAssets(nodes, catalog), [nodes, catalog]);
  const [error, setError] = useState<string>();
  const canApprove = useCanApprove();
  const { models, addModel } = useModels(cId);
  const { lfs, lfById, refreshLfs } = useSavedLfs(cId, setError);
  const { drafts, setDrafts, draftsRef } = useLfDrafts(lfs, setCells);
  const votes = useLfVotes({ k, values, lfById, draftsRef });
  const load = useSampleLoad(assets, k, cId, () => votes.setResults({}));
  useVotesOnLoad({ load, cells, drafts, draftsRef, results: votes.results, applyCell: votes.applyCell, onError: setError });
  const columns = (load.result?.columns ?? []) as AssetColumn[];
  const actions = useLfCellActions({
    cId, values, ready: load.phase === 'ready', columns, drafts, setDrafts, draftsRef, setCells, setResults: votes.setResults,
    models, addModel, applyCell: votes.applyCell, refreshLfs, refreshSummary: votes.refreshSummary, onLfsChanged, setError,
  });

  // Cells are memoized and may hold an older handler; through this ref every handler sees the latest state.
  const handlers = useRef({ ...actions, runCustom: votes.runCustom });
  handlers.current = { ...actions, runCustom: votes.runCustom };

  const statsBySlot = new Map<string, LfStats>((votes.summary?.lfs ?? []).map((l) => [l.slot, l.stats]));
  const summaryRows: SummaryRow[] = cells.filter((c) => c.kind === 'lf' && drafts[c.id]).flatMap((c) => {
    const stats = statsBySlot.get(slotOf(c));
    const d = drafts[c.id]!;
    return stats ? [{ slot: slotOf(c), name: d.name, type: d.type, label: values[d.label] ?? String(d.label), stats }] : [];
  });

  return (
    <section className="notebook" aria-label="LF notebook">
      <NotebookStatus load={load} problem={'problem' in assets ? assets.problem : undefined} />
      {error && <p role="alert" className="error">{error}</p>}
      <AddCellButtons disabled={load.phase !== 'ready'} onAddLf={actions.addLf}
        onAddSql={() => setCells((c) => [...c, { id: newCellId('sql'), kind: 'sql', sql: 'SELECT count(*) AS samples FROM samples' }])} />
      {cells.map((cell) => {
        if (cell.kind === 'sql') {
          return <SqlCell key={cell.id} sql={cell.sql ?? ''} onChange={(sql) => setCells((cs) => cs.map((c) => (c.id === cell.id ? { ...c, sql } : c)))} onRemove={() => void actions.remove(cell)} />;
        }
        const draft = drafts[cell.id];
        if (!draft) return null;
        const saved = cell.lfId ? lfById.get(cell.lfId) : undefined;
        const result = votes.results[cell.id];
        const live = result && 'stats' in result ? { ...result, stats: statsBySlot.get(slotOf(cell)) ?? result.stats } : result;
        return (
          <LfCell key={cell.id} cellId={cell.id} justAdded={cell.id === actions.justAdded} draft={draft} columns={columns} models={models} values={values} result={live}
            dirty={saved ? !sameDefinition(draft, lfDefinitionOf(saved)) : true} unsaved={!saved} saving={actions.saving === cell.id}
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
          <LfSummary rows={summaryRows} values={values} overall={votes.summary ? { ...votes.summary.overall } : undefined} />
          <SampleBrowser lfs={summaryRows.map((r) => ({ slot: r.slot, name: r.name }))} values={values} version={votes.version} onLabel={(r, l) => void actions.label(r, l)} />
        </>
      )}
    </section>
  );
}
