// The notebook's head: whether the samples are loaded (and from where, how fast), and the buttons adding cells.
import type { LfDraft } from '../studio/lf-definitions.ts';
import type { SampleLoad } from './use-sample-load.ts';

export function NotebookStatus({ load, problem }: { load: SampleLoad; problem?: string }) {
  return (
    <div className="notebook-toolbar">
      <h2>LF notebook</h2>
      {problem && <span className="muted">{problem}</span>}
      {load.phase === 'loading' && <span className="muted">Loading samples…</span>}
      {load.phase === 'ready' && load.result && (
        <span className="muted" data-testid="samples-loaded">{load.result.n.toLocaleString('en-US')} samples loaded ({load.result.fromCache ? 'from cache' : 'downloaded'}, {load.result.ms.toFixed(0)} ms)</span>
      )}
      {load.phase === 'error' && <span role="alert" className="error">{load.message}</span>}
    </div>
  );
}

export function AddCellButtons({ disabled, onAddLf, onAddSql }: {
  disabled: boolean; onAddLf: (type: LfDraft['type'], language?: 'python') => void; onAddSql: () => void;
}) {
  return (
    <div className="notebook-toolbar">
      <button type="button" onClick={() => onAddLf('regex')} disabled={disabled}>+ Regex LF</button>
      <button type="button" onClick={() => onAddLf('template')} disabled={disabled}>+ Template LF</button>
      <button type="button" onClick={() => onAddLf('sql')} disabled={disabled}>+ SQL LF</button>
      <button type="button" onClick={() => onAddLf('custom')} disabled={disabled}>+ Custom LF</button>
      <button type="button" onClick={() => onAddLf('custom', 'python')} disabled={disabled}>+ Python LF</button>
      <button type="button" onClick={() => onAddLf('model')} disabled={disabled}>+ Model LF</button>
      <button type="button" onClick={onAddSql} disabled={disabled}>+ SQL cell</button>
    </div>
  );
}
