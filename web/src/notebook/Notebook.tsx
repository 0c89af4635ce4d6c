import type { Dispatch, SetStateAction } from 'react';
import type { Catalog } from '../../../shared/schema/asset.ts';
import type { Concept } from '../../../shared/schema/concept.ts';
import type { PipelineNode } from '../canvas/graph.ts';

export interface NotebookCell { id: string; kind: 'lf' | 'sql'; lfId?: string; sql?: string }

export function Notebook({ catalog }: {
  concept: Concept; catalog: Catalog; nodes: PipelineNode[]; cells: NotebookCell[];
  setCells: Dispatch<SetStateAction<NotebookCell[]>>; onLfsChanged: () => void;
}) {
  return <section className="notebook" aria-label="LF notebook"><h2>LF notebook</h2><p>{catalog.labeling_functions.length} LFs</p></section>;
}
