// A stored connection as a live source: the password opened from its seal, a files connection given its folder.
import type { databaseConnections } from '../db/schema.ts';
import { openSecret } from '../security/secrets.ts';
import type { ObjectStore } from '../storage/index.ts';
import { openSource, type AnySource } from './connect.ts';
import { DEFAULT_PREVIEW_TIMEOUT_MS } from './index.ts';

type ConnectionRow = typeof databaseConnections.$inferSelect;

export const filesPrefix = (connId: string) => `connections/${connId}/files/`;

export class SourceUnavailableError extends Error {
  readonly code = 'NOT_AVAILABLE';
}

export async function sourceForConnection(
  connection: ConnectionRow,
  deps: { secret: string; store?: ObjectStore },
  limits: { connectTimeoutMs?: number } = {},
): Promise<AnySource> {
  const timeouts = statementTimeouts(connection);
  if (connection.connectionType === 'files') {
    if (!deps.store) throw new SourceUnavailableError('Files connections need the object store, which this deployment does not have.');
    return openSource({ connectionType: 'files', store: deps.store, prefix: filesPrefix(connection.id), ...timeouts });
  }
  const password = connection.encryptedPassword ? await openSecret(connection.encryptedPassword, deps.secret) : undefined;
  return openSource({
    connectionType: connection.connectionType as 'postgresql' | 'mysql',
    host: connection.host ?? '127.0.0.1',
    port: connection.port ?? undefined,
    database: connection.database ?? '',
    username: connection.username ?? '',
    password,
    ...timeouts,
    ...limits,
  });
}

/**
 * The connection's statement timeout bounds its materialization queries; previews answer an HTTP request, so they
 * get the same timeout but never more than 30 s.
 */
export function statementTimeouts(connection: Pick<ConnectionRow, 'statementTimeoutS'>): { queryTimeoutMs: number; previewTimeoutMs: number } {
  const queryTimeoutMs = connection.statementTimeoutS * 1000;
  return { queryTimeoutMs, previewTimeoutMs: Math.min(queryTimeoutMs, DEFAULT_PREVIEW_TIMEOUT_MS) };
}
