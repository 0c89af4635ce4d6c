// An asset's columns as LFs see them: the vocabulary both the column batches and the compiled LFs are built on.

/**
 * Column types of an asset, as LFs see them. DuckDB types: integer = BIGINT, float = DOUBLE, string = VARCHAR,
 * boolean = BOOLEAN, timestamp = TIMESTAMP (no time zone, microseconds; compared as UTC wall-clock values).
 */
export type ColumnType = 'integer' | 'float' | 'string' | 'boolean' | 'timestamp';

export interface AssetColumn {
  name: string;
  type: ColumnType;
}

export interface AssetSchema {
  columns: AssetColumn[];
}
