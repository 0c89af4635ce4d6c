// Picks the source implementation for a connection. The caller decrypts the password and, for `files`, says which
// store prefix holds the connection's files.
import type { ObjectStore } from '../storage/index.ts';
import { FilesSource } from './files.ts';
import type { ServerConnectionConfig } from './index.ts';
import { MysqlSource } from './mysql.ts';
import { PostgresSource } from './postgres.ts';

export type SourceSpec =
  | ({ connectionType: 'postgresql' } & ServerConnectionConfig)
  | ({ connectionType: 'mysql' } & ServerConnectionConfig)
  | { connectionType: 'files'; store: ObjectStore; prefix: string; previewTimeoutMs?: number; queryTimeoutMs?: number };

export type AnySource = PostgresSource | MysqlSource | FilesSource;

export function openSource(spec: SourceSpec): AnySource {
  switch (spec.connectionType) {
    case 'postgresql':
      return new PostgresSource(spec);
    case 'mysql':
      return new MysqlSource(spec);
    case 'files':
      return new FilesSource(spec);
  }
}
