// Source connections: PostgreSQL, MySQL/MariaDB, or uploaded files; saved, tested, and read for completions.
import type { Connection, ConnectionCreate, ConnectionTestResult, ConnectionUpdate, SourceTables } from '../../../shared/schema/connection.ts';
import { apiPath, requestJson } from './request.ts';

export const listConnections = () => requestJson<Connection[]>('/api/connections');
export const createConnection = (body: ConnectionCreate) => requestJson<Connection>('/api/connections', { method: 'POST', json: body });
export const updateConnection = (connId: string, body: ConnectionUpdate) =>
  requestJson<Connection>(apiPath`/api/connections/${connId}`, { method: 'PATCH', json: body });
export const testConnection = (connId: string) => requestJson<ConnectionTestResult>(apiPath`/api/connections/${connId}/test`, { method: 'POST' });
/** The tables and columns the connection can read. */
export const connectionSchema = (connId: string) => requestJson<SourceTables>(apiPath`/api/connections/${connId}/schema`);

/** Uploads one CSV or Parquet file into a files connection; the file's name (less its extension) names the table. */
export const uploadConnectionFile = (connId: string, file: File) =>
  requestJson<unknown>(apiPath`/api/connections/${connId}/files?name=${file.name}`, {
    method: 'POST', body: file, contentType: file.name.endsWith('.csv') ? 'text/csv' : 'application/octet-stream',
  });
