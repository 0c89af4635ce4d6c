// Each LF cell's votes and statistics from the data worker, and the notebook's summary. Only the edited LF's vote
// column is recomputed; a custom LF votes when run, in the sandbox.
import { useCallback, useEffect, useState, type RefObject } from 'react';
import { lfDefinitionOf, type LabelingFunction } from '../../../shared/schema/labeling-function.ts';
import type { LfFailure, LfResult } from '../analysis/lf-session.ts';
import { runCustomLf, runPythonLf } from '../sandbox/custom-lf.ts';
import { draftProblem, type LfDraft } from '../studio/lf-definitions.ts';
import { markApplied } from '../studio/workspace.ts';
import { dataWorker } from '../studio/workers.ts';
import type { LfSummary } from '../workers/studio-data-protocol.ts';
import { slotOf, type NotebookCell } from './notebook-cell.ts';
import { sameDefinition } from './same-definition.ts';
import type { Drafts } from './use-lf-drafts.ts';
import type { SampleLoad } from './use-sample-load.ts';

export type CellResults = Record<string, LfResult | LfFailure>;

export function useLfVotes({ k, values, lfById, draftsRef }: {
  k: number; values: readonly string[]; lfById: Map<string, LabelingFunction>; draftsRef: RefObject<Drafts>;
}) {
  const [results, setResults] = useState<CellResults>({});
  const [summary, setSummary] = useState<LfSummary | null>(null);
  /** Bumped on every change of votes: the sample browser reloads its page. */
  const [version, setVersion] = useState(0);

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

  /** Runs a custom LF cell's code in the sandbox (TypeScript or Python) and places its votes. */
  const runCustom = useCallback(async (cell: NotebookCell) => {
    const draft = draftsRef.current[cell.id];
    if (draft?.type !== 'custom') return;
    const outcome = draft.language === 'python'
      ? await runPythonLf(draft.code, draft.allowed_imports ?? [], values)
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
  }, [k, refreshSummary, lfById]); // eslint-disable-line react-hooks/exhaustive-deps

  return { results, setResults, summary, version, refreshSummary, applyCell, runCustom };
}

/** Once the samples are loaded, every LF cell gets its votes (custom ones when run). */
export function useVotesOnLoad({ load, cells, drafts, draftsRef, results, applyCell, onError }: {
  load: SampleLoad; cells: NotebookCell[]; drafts: Drafts; draftsRef: RefObject<Drafts>; results: CellResults;
  applyCell: (cell: NotebookCell, draft: LfDraft) => Promise<void>; onError: (message: string) => void;
}): void {
  useEffect(() => {
    if (load.phase !== 'ready') return;
    (async () => {
      for (const cell of cells) {
        const draft = draftsRef.current[cell.id];
        if (cell.kind === 'lf' && draft && !results[cell.id]) await applyCell(cell, draft);
      }
    })().catch((e: unknown) => onError((e as Error).message));
  }, [load.phase, cells, drafts]); // eslint-disable-line react-hooks/exhaustive-deps
}
