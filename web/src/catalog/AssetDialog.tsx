// + Create Index / + Create Rule: name, connection, key column, SQL (Monaco, completing the connection's tables),
// Preview of the first rows and their schema, Save.
import { useEffect, useState, type FormEvent } from 'react';
import type { Asset } from '../../../shared/schema/asset.ts';
import type { Connection, QueryPreview } from '../../../shared/schema/connection.ts';
import { createAsset, previewAssetQuery, type AssetCollection } from '../api/assets.ts';
import { connectionSchema } from '../api/connections.ts';
import { ApiRequestError } from '../api/request.ts';
import { LazyCodeEditor } from '../editor/LazyCodeEditor.tsx';
import { ConnectionDialog } from './ConnectionDialog.tsx';

export type AssetKind = AssetCollection;

const cell = (v: unknown) => (v === null || v === undefined ? '∅' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function AssetDialog({ cId, kind, connections: known, onClose, onSaved }: {
  cId: string; kind: AssetKind; connections: Connection[]; onClose: () => void; onSaved: (a: Asset) => void;
}) {
  const [added, setAdded] = useState<Connection[]>([]);
  const [newConnection, setNewConnection] = useState(false);
  const connections = [...known, ...added];
  const singular = kind === 'indexes' ? 'Index' : 'Rule';
  const [name, setName] = useState('');
  const [connId, setConnId] = useState(connections[0]?.conn_id ?? '');
  const [keyColumn, setKeyColumn] = useState('id');
  const [sql, setSql] = useState('SELECT id, text FROM ');
  const [preview, setPreview] = useState<QueryPreview | null>(null);
  const [busy, setBusy] = useState<'preview' | 'save' | null>(null);
  const [error, setError] = useState<string>();

  // The dialog can open before the connection list has arrived: pick the first one when it does.
  useEffect(() => {
    if (!connId && connections[0]) setConnId(connections[0].conn_id);
  }, [connId, connections]);

  useEffect(() => {
    if (!connId) return;
    let live = true;
    // Completion of the connection's tables and columns; the editor works without it if the schema is unavailable.
    Promise.all([import('../editor/monaco-setup.ts'), connectionSchema(connId)])
      .then(([setup, tables]) => {
        if (live) setup.setSqlCompletionTables(tables.map((t) => ({ name: t.name, columns: t.columns })));
      })
      .catch(() => undefined);
    return () => { live = false; };
  }, [connId]);

  const body = () => ({ name: name.trim(), conn_id: connId, sql_query: sql, key_column: keyColumn.trim() || 'id' });
  const runPreview = async () => {
    setBusy('preview');
    setError(undefined);
    try {
      setPreview(await previewAssetQuery(cId, kind, { conn_id: connId, sql_query: sql }));
    } catch (e) {
      setError(e instanceof ApiRequestError && e.status === 404 && e.code === 'NOT_FOUND' && /No route/.test(e.message)
        ? 'Preview is not available on this server yet.' : (e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy('save');
    setError(undefined);
    try {
      onSaved(await createAsset(cId, kind, body()));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click outside the dialog closes it; its Cancel button is the keyboard path
    <div className="dialog-backdrop" role="presentation" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <form className="dialog" role="dialog" aria-label={`Create ${singular}`} onSubmit={save}>
        <h2>Create {singular}</h2>
        <div className="form-row">
          <label>Name <input value={name} onChange={(e) => setName(e.target.value)} required aria-label="Name" /></label>
          <label>Connection
            <select value={connId} onChange={(e) => setConnId(e.target.value)} aria-label="Connection" required>
              {connections.length === 0 && <option value="">No connections yet</option>}
              {connections.map((c) => <option key={c.conn_id} value={c.conn_id}>{c.name} ({c.connection_type})</option>)}
            </select>
          </label>
          <button type="button" onClick={() => setNewConnection(true)}>+ New connection</button>
          <label>Key column <input value={keyColumn} onChange={(e) => setKeyColumn(e.target.value)} aria-label="Key column" /></label>
        </div>
        <LazyCodeEditor language="sql" label="SQL query" value={sql} onChange={setSql} onRun={runPreview} height={180} />
        {error && <p role="alert" className="error">{error}</p>}
        {preview && (
          <div className="preview">
            <p className="muted">Schema: {preview.columns.map((c) => `${c.name}${c.type ? ` ${c.type}` : ''}`).join(', ')} · first {preview.rows.length} rows</p>
            <div className="table-scroll">
              <table>
                <thead><tr>{preview.columns.map((c) => <th key={c.name}>{c.name}</th>)}</tr></thead>
                <tbody>{preview.rows.slice(0, 20).map((r, i) => <tr key={i}>{preview.columns.map((c) => <td key={c.name}>{cell(r[c.name])}</td>)}</tr>)}</tbody>
              </table>
            </div>
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="button" onClick={runPreview} disabled={!connId || busy !== null}>{busy === 'preview' ? 'Running…' : 'Preview'}</button>
          <button type="submit" className="primary" disabled={!name.trim() || !connId || busy !== null}>{busy === 'save' ? 'Saving…' : 'Save'}</button>
        </div>
      </form>
      {newConnection && (
        <ConnectionDialog onClose={() => setNewConnection(false)}
          onSaved={(c) => { setAdded((a) => [...a, c]); setConnId(c.conn_id); setNewConnection(false); }} />
      )}
    </div>
  );
}
