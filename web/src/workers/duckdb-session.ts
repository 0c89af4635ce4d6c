// DuckDB-WASM for SQL cells: started on the first query (cold asset loads do not pay for it), with extension
// autoloading off so nothing is fetched from extensions.duckdb.org. Tables arrive as Arrow IPC streams. The page is
// cross-origin isolated (edge-api/security/isolation.ts), so selectBundle picks the threaded `coi` bundle.
import * as duckdb from '@duckdb/duckdb-wasm';
import coiPthreadWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-coi.pthread.worker.js?url';
import coiWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-coi.worker.js?url';
import coiWasm from '@duckdb/duckdb-wasm/dist/duckdb-coi.wasm?url';
import ehWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url';
import mvpWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-mvp.worker.js?url';
import ehWasm from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import mvpWasm from '@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url';
import { Bool, Float64, Int64, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray, type DataType } from 'apache-arrow';
import type { ColumnType } from '../../../shared/lf/types.ts';

const bundles: duckdb.DuckDBBundles = {
  mvp: { mainModule: new URL(mvpWasm, self.location.href).href, mainWorker: new URL(mvpWorker, self.location.href).href },
  eh: { mainModule: new URL(ehWasm, self.location.href).href, mainWorker: new URL(ehWorker, self.location.href).href },
  coi: {
    mainModule: new URL(coiWasm, self.location.href).href, mainWorker: new URL(coiWorker, self.location.href).href,
    pthreadWorker: new URL(coiPthreadWorker, self.location.href).href,
  },
};

export interface QueryResult { columns: string[]; rows: unknown[][]; ms: number }

export class DuckDbSession {
  private connection: Promise<duckdb.AsyncDuckDBConnection> | undefined;

  private connect(): Promise<duckdb.AsyncDuckDBConnection> {
    this.connection ??= (async () => {
      const bundle = await duckdb.selectBundle(bundles);
      const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), new Worker(bundle.mainWorker!));
      await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
      const conn = await db.connect();
      await conn.query('SET autoload_known_extensions=false');
      await conn.query('SET autoinstall_known_extensions=false');
      await conn.query(`SET custom_extension_repository='${self.location.origin}/duckdb-extensions'`);
      return conn;
    })();
    return this.connection;
  }

  /** Replaces table `name` with these columns (values as decoded; integers as bigint or number). */
  async putTable(name: string, columns: { name: string; type: ColumnType; values: ArrayLike<unknown> }[]): Promise<void> {
    const conn = await this.connect();
    const vectors = Object.fromEntries(columns.map((c) => [c.name, vectorFromArray(arrowValues(c.type, c.values), arrowType(c.type, c.values))]));
    const table = new Table(vectors);
    await conn.query(`DROP TABLE IF EXISTS "${name}"`);
    await conn.insertArrowFromIPCStream(tableToIPC(table, 'stream'), { name, create: true });
  }

  async query(sql: string, limit = 500): Promise<QueryResult> {
    const started = performance.now();
    const conn = await this.connect();
    const result = await conn.query(sql);
    const columns = result.schema.fields.map((f) => f.name);
    const rows: unknown[][] = [];
    const vectors = columns.map((c) => result.getChild(c));
    for (let i = 0; i < Math.min(result.numRows, limit); i++) rows.push(vectors.map((v) => plain(v?.get(i))));
    return { columns, rows, ms: performance.now() - started };
  }
}

const plain = (v: unknown) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : String(v)) : v);

function arrowType(type: ColumnType, values: ArrayLike<unknown>): DataType {
  switch (type) {
    case 'integer': return Array.prototype.some.call(values, (v) => typeof v === 'bigint') ? new Int64() : new Float64();
    case 'float': return new Float64();
    case 'boolean': return new Bool();
    case 'timestamp': return new TimestampMillisecond();
    case 'string': return new Utf8();
  }
}

function arrowValues(type: ColumnType, values: ArrayLike<unknown>): unknown[] {
  const out = Array.from(values, (v) => (v === undefined ? null : v));
  if (type === 'integer' && out.some((v) => typeof v === 'bigint')) return out.map((v) => (typeof v === 'number' ? BigInt(v) : v));
  if (type === 'timestamp') return out.map((v) => (v instanceof Date ? v.getTime() : v));
  if (type === 'string') return out.map((v) => (v === null ? null : String(v)));
  return out;
}
