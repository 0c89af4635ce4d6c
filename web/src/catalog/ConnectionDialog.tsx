// + New connection: a PostgreSQL or MySQL/MariaDB source, or files (CSV / Parquet uploads), saved and tested from
// the studio. Test saves the form first (creating the connection, or updating it after a failed test), then asks
// the server to connect, so what was tested is what was saved.
import { useState, type FormEvent } from 'react';
import type { Connection, ConnectionTestResult, ConnectionType } from '../../../shared/schema/connection.ts';
import { createConnection, testConnection, updateConnection, uploadConnectionFile } from '../api/connections.ts';

const DEFAULT_PORT: Record<ConnectionType, number | undefined> = { postgresql: 5432, mysql: 3306, files: undefined };
const TYPE_NAME: Record<ConnectionType, string> = { postgresql: 'PostgreSQL', mysql: 'MySQL / MariaDB', files: 'Files (CSV, Parquet)' };

export function ConnectionDialog({ onClose, onSaved }: { onClose: () => void; onSaved: (c: Connection) => void }) {
  const [type, setType] = useState<ConnectionType>('postgresql');
  const [name, setName] = useState('');
  const [host, setHost] = useState('127.0.0.1');
  const [port, setPort] = useState('');
  const [database, setDatabase] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [saved, setSaved] = useState<Connection | null>(null);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const isFiles = type === 'files';
  const body = () => ({
    name: name.trim(), connection_type: type,
    ...(isFiles ? {} : {
      host: host.trim(), port: Number(port) || DEFAULT_PORT[type], database: database.trim() || undefined,
      username: username.trim() || undefined, ...(password ? { password } : {}),
    }),
  });

  const saveAndTest = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(null);
    try {
      const connection = saved
        ? await updateConnection(saved.conn_id, body())
        : await createConnection(body());
      setSaved(connection);
      if (isFiles && file) await uploadConnectionFile(connection.conn_id, file);
      setResult(await testConnection(connection.conn_id));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click outside the dialog closes it; its Cancel button is the keyboard path
    <div className="dialog-backdrop" role="presentation" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <form className="dialog" role="dialog" aria-label="New connection" onSubmit={saveAndTest}>
        <h2>New connection</h2>
        <div className="form-row">
          <label>Connection name <input value={name} onChange={(e) => setName(e.target.value)} required aria-label="Connection name" /></label>
          <label>Type
            <select aria-label="Type" value={type} disabled={saved !== null} onChange={(e) => { setType(e.target.value as ConnectionType); setResult(null); }}>
              {(Object.keys(TYPE_NAME) as ConnectionType[]).map((t) => <option key={t} value={t}>{TYPE_NAME[t]}</option>)}
            </select>
          </label>
        </div>
        {isFiles ? (
          <div className="form-row">
            <label>File (CSV or Parquet)
              <input type="file" accept=".csv,.parquet" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            </label>
            <p className="muted">The file becomes a table named after it (comments.csv → comments). Upload more later through the API.</p>
          </div>
        ) : (
          <>
            <div className="form-row">
              <label>Host <input aria-label="Host" value={host} onChange={(e) => setHost(e.target.value)} required /></label>
              <label>Port <input aria-label="Port" inputMode="numeric" value={port} placeholder={String(DEFAULT_PORT[type])} onChange={(e) => setPort(e.target.value.replace(/\D/g, ''))} /></label>
              <label>Database <input aria-label="Database" value={database} onChange={(e) => setDatabase(e.target.value)} /></label>
            </div>
            <div className="form-row">
              <label>User <input aria-label="User" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" /></label>
              <label>Password <input aria-label="Password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" /></label>
            </div>
            <p className="muted">Use a role that can only read: Reef runs every query read-only, and its test says which privileges to revoke.</p>
          </>
        )}
        {saved && !isFiles && (
          <p className="muted">
            Queries stop after {saved.statement_timeout_s} s (previews after at most 30 s).
            {saved.trusted_writer_role && ` Trusted writer role: ${saved.trusted_writer_role_by ?? 'an admin'} allowed this login to keep write privileges${saved.trusted_writer_role_at ? ` on ${saved.trusted_writer_role_at.slice(0, 10)}` : ''}.`}
          </p>
        )}
        {error && <p role="alert" className="error">{error}</p>}
        {result && (
          <p role="status" className={result.ok ? 'ok' : 'error'}>
            {result.ok ? '✓ Connected' : '✗ Cannot connect'}: {result.message} ({Math.round(result.latency_ms)} ms)
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" disabled={!name.trim() || busy || (isFiles && !file && !saved)}>{busy ? 'Testing…' : saved ? 'Save and test again' : 'Save and test'}</button>
          <button type="button" className="primary" disabled={!saved || !result?.ok} onClick={() => saved && onSaved(saved)}>Use this connection</button>
        </div>
      </form>
    </div>
  );
}
