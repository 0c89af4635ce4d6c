// The results download as CSV: the columns of a results Parquet (result-table.ts writes them) in the same
// order, numbers as JavaScript prints them (exact). Written in the train worker, off the main thread.
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';

/** A column by name, with its values in row order. */
export interface CsvColumn { name: string; values: ArrayLike<unknown> }

const csvField = (v: unknown) => {
  const s = typeof v === 'bigint' ? v.toString() : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function resultCsv(columns: CsvColumn[]): string {
  const n = columns[0]?.values.length ?? 0;
  const lines = [columns.map((c) => csvField(c.name)).join(',')];
  for (let i = 0; i < n; i++) lines.push(columns.map((c) => csvField(c.values[i])).join(','));
  return `${lines.join('\n')}\n`;
}

/** The CSV of a results Parquet. */
export async function resultCsvFromParquet(parquet: ArrayBuffer): Promise<string> {
  const metadata = parquetMetadata(parquet);
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  const rows = await parquetReadObjects({ file: parquet, metadata });
  return resultCsv(names.map((name) => ({ name, values: rows.map((r) => r[name]) })));
}
