// A notebook cell: an LF (saved, or a draft not yet saved) or a SQL cell over the loaded samples.
export interface NotebookCell { id: string; kind: 'lf' | 'sql'; lfId?: string; sql?: string }

export const newCellId = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

/** The data worker's slot for a cell's votes: a saved LF's id, else the draft cell's own id. */
export const slotOf = (cell: NotebookCell) => cell.lfId ?? cell.id;
