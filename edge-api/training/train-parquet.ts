// Parquet read straight from the object store with ranged reads (hyparquet), so the API can read a footer or one
// page of results without downloading a whole part, on the local store and on S3 alike.
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { AssetColumn, ColumnType } from '../../shared/lf/types.ts';
import type { ObjectStore } from '../storage/index.ts';

export async function storeAsyncBuffer(store: ObjectStore, key: string): Promise<AsyncBuffer> {
  const info = await store.head(key);
  if (!info) throw Object.assign(new Error(`No object "${key}" in the object store.`), { code: 'OBJECT_NOT_FOUND' });
  return {
    byteLength: info.size,
    async slice(start: number, end?: number) {
      const bytes = await store.getBytes(key, { offset: start, length: (end ?? info.size) - start });
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

export interface ParquetFooter {
  rows: number;
  /** The columns an LF can read, typed as LFs see them; nested and binary columns are left out. */
  columns: AssetColumn[];
}

export async function readParquetFooter(store: ObjectStore, key: string): Promise<ParquetFooter> {
  const metadata: FileMetaData = await parquetMetadataAsync(await storeAsyncBuffer(store, key));
  const columns: AssetColumn[] = [];
  for (const child of parquetSchema(metadata).children) {
    const type = lfColumnType(child);
    if (type) columns.push({ name: child.element.name, type });
  }
  return { rows: Number(metadata.num_rows), columns };
}

/** How a Parquet column reaches LFs (shared/lf/types.ts ColumnType), or undefined when no LF can read it. */
function lfColumnType(node: SchemaTree): ColumnType | undefined {
  const e = node.element;
  if (node.children.length > 0) return undefined;
  const logical = e.logical_type?.type;
  const converted = e.converted_type;
  if (logical === 'DECIMAL' || converted === 'DECIMAL') return 'float';
  if (logical === 'DATE' || converted === 'DATE' || logical === 'TIMESTAMP' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS') return 'timestamp';
  switch (e.type) {
    case 'BOOLEAN': return 'boolean';
    case 'INT32':
    case 'INT64': return logical === 'TIME' || converted === 'TIME_MILLIS' || converted === 'TIME_MICROS' ? undefined : 'integer';
    case 'INT96': return 'timestamp';
    case 'FLOAT':
    case 'DOUBLE': return 'float';
    case 'BYTE_ARRAY': return logical === 'STRING' || logical === 'ENUM' || logical === 'JSON' || converted === 'UTF8' || converted === 'ENUM' || converted === 'JSON' ? 'string' : undefined;
    default: return undefined;
  }
}

/** Rows [rowStart, rowEnd) of one Parquet object, as objects; only the row groups that hold them are fetched. */
export async function readParquetRows(store: ObjectStore, key: string, rowStart: number, rowEnd: number, columns?: string[]) {
  // Assets are zstd-compressed (materialize/parquet-copy.ts); hyparquet alone reads only snappy.
  return parquetReadObjects({ file: await storeAsyncBuffer(store, key), rowStart, rowEnd, columns, compressors });
}
