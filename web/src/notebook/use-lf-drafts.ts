// Each LF cell's draft definition, and the cells kept in step with the saved LFs: every stored LF has a cell (new
// ones appended), and cells of deleted LFs or lost drafts go.
import { useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { lfDefinitionOf, type LabelingFunction } from '../../../shared/schema/labeling-function.ts';
import type { LfDraft } from '../studio/lf-definitions.ts';
import type { NotebookCell } from './notebook-cell.ts';

export type Drafts = Record<string, LfDraft>;

export function useLfDrafts(lfs: LabelingFunction[] | null, setCells: Dispatch<SetStateAction<NotebookCell[]>>) {
  const [drafts, setDrafts] = useState<Drafts>({});
  // Cells are memoized and async handlers outlive renders: through this ref they read the latest drafts.
  const draftsRef = useRef(drafts);
  draftsRef.current = drafts;

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

  return { drafts, setDrafts, draftsRef };
}
