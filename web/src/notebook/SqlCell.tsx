// A SQL cell over DuckDB-WASM: `samples` (the joined assets) and `votes` (one column per applied LF).
import { useState } from 'react';
import { LazyCodeEditor } from '../editor/LazyCodeEditor.tsx';
import { dataWorker } from '../studio/workers.ts';
import type { QueryResult } from '../workers/duckdb-session.ts';

const cell = (v: unknown) => (v === null || v === undefined ? '∅' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Two columns, the second numeric: drawn as bars too (label → value). */
function QuickChart({ result }: { result: QueryResult }) {
  if (result.columns.length !== 2 || !result.rows.every((r) => typeof r[1] === 'number')) return null;
  const max = Math.max(...result.rows.map((r) => r[1] as number), 1e-12);
  return (
    <div className="bars">
      {result.rows.slice(0, 30).map((r, i) => (
        <div className="bar" key={i}><span>{cell(r[0])}</span><div><span style={{ width: `${((r[1] as number) / max) * 100}%` }} /></div><span>{cell(r[1])}</span></div>
      ))}
    </div>
  );
}

export function SqlCell({ sql, onChange, onRemove }: { sql: string; onChange: (sql: string) => void; onRemove: () => void }) {
  const [result, setResult] = useState<QueryResult | null>(null);
  const [error, setError] = useState<string>();
  const [running, setRunning] = useState(false);
  const run = () => {
    setRunning(true);
    setError(undefined);
    dataWorker().sql(sql).then(setResult, (e: unknown) => { setResult(null); setError((e as Error).message); }).finally(() => setRunning(false));
  };
  return (
    <article className="cell sql-cell" data-testid="sql-cell">
      <header>
        <span className="badge">SQL</span><span className="muted">tables: samples, votes · Ctrl/Cmd+Enter runs</span>
        <span className="spacer" />
        <button type="button" onClick={run} disabled={running}>{running ? 'Running…' : 'Run'}</button>
        <button type="button" onClick={onRemove} aria-label="Remove SQL cell">✕</button>
      </header>
      <LazyCodeEditor language="sql" label="SQL cell" value={sql} onChange={onChange} onRun={run} height={90} />
      {error && <p role="alert" className="error">{error}</p>}
      {result && (
        <>
          <p className="muted">{result.rows.length} rows · {result.ms.toFixed(0)} ms</p>
          <div className="table-scroll">
            <table>
              <thead><tr>{result.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
              <tbody>{result.rows.slice(0, 100).map((r, i) => <tr key={i}>{r.map((v, j) => <td key={j}>{cell(v)}</td>)}</tr>)}</tbody>
            </table>
          </div>
          <QuickChart result={result} />
        </>
      )}
    </article>
  );
}
