// Reading a training run's results for the API: one page of predictions in the seed's shapes (read with ranged
// Parquet reads, so a 10M-row result never goes into one response or one buffer), and two runs compared.
import type { RunComparison } from '../../shared/schema/run.ts';
import type { TrainMetrics } from './train-metrics.ts';
import { quoteIdent } from '../../shared/lf/sql-literals.ts';
import type { ObjectStore } from '../storage/index.ts';
import type { RunRow } from '../runs/run-store.ts';
import { localPathOf, openUnitDb } from './train-duckdb.ts';
import { readParquetRows } from './train-parquet.ts';
import { trainRunOf } from './train-run.ts';

/** Sample keys as JSON: INT64 keys arrive as bigint; they stay numbers while exact, else become strings. */
export function jsonKey(value: unknown): string | number | boolean | null {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value === null || value === undefined) return null;
  return value as string | number | boolean;
}

export type SoftmaxPrediction = { sample_id: unknown; probs: number[]; predicted_class: number; confidence: number };

export interface PredictionPage {
  total: number;
  offset: number;
  limit: number;
  sampleIds: unknown[];
  labels: number[];
  probs?: number[][];
  confidence?: number[];
  /** Per row, how many LFs voted on it; absent for runs made before results had n_votes. */
  nVotes?: number[];
}

/** Rows [offset, offset + limit) of the run's results, across its parts in order. */
export async function readPredictionPage(store: ObjectStore, run: RunRow, offset: number, limit: number): Promise<PredictionPage> {
  const { params, metrics } = trainRunOf(run);
  const key = params.lineage.index.key_column;
  const softmax = params.request.snorkel.output_type === 'softmax';
  const probColumns = Array.from({ length: params.k }, (_, y) => `prob_class_${y}`);
  // Runs that count uncovered rows write n_votes (train-duckdb.ts; the studio's results for a browser run).
  const withVotes = metrics.uncovered !== undefined;
  const page: PredictionPage = {
    total: metrics.rows, offset, limit, sampleIds: [], labels: [], ...(softmax ? { probs: [], confidence: [] } : {}), ...(withVotes ? { nVotes: [] } : {}),
  };
  let start = 0;
  for (const part of metrics.artifacts.parts) {
    const end = start + part.rows;
    const from = Math.max(offset, start);
    const to = Math.min(offset + limit, end);
    if (from < to) {
      const rows = await readParquetRows(store, part.key, from - start, to - start, [key, 'predicted_label', ...(softmax ? [...probColumns, 'confidence'] : []), ...(withVotes ? ['n_votes'] : [])]);
      for (const row of rows) {
        page.sampleIds.push(jsonKey(row[key]));
        page.labels.push(Number(row.predicted_label));
        if (softmax) {
          page.probs!.push(probColumns.map((c) => Number(row[c])));
          page.confidence!.push(Number(row.confidence));
        }
        if (withVotes) page.nVotes!.push(Number(row.n_votes));
      }
    }
    start = end;
    if (start >= offset + limit) break;
  }
  return page;
}


function scalarMetrics(m: TrainMetrics): Record<string, number | null> {
  const out: Record<string, number | null> = {
    rows: m.rows, coverage: m.coverage, overlap: m.overlap, conflict: m.conflict, abstained: m.abstained, uncovered: m.uncovered ?? null,
    avg_confidence: m.avg_confidence, dev_accuracy: m.fit.dev?.accuracy ?? null, duration_s: m.duration_s,
  };
  for (const [label, count] of Object.entries(m.label_distribution)) out[`label_count.${label}`] = count;
  for (const lf of m.lfs) out[`lf_coverage.${lf.name}`] = lf.coverage;
  return out;
}

/** Metric differences (b − a) and the samples whose label flipped, joined on the index key in DuckDB. */
export async function compareRuns(store: ObjectStore, a: RunRow, b: RunRow, sampleLimit: number): Promise<RunComparison> {
  const ma = scalarMetrics(trainRunOf(a).metrics);
  const mb = scalarMetrics(trainRunOf(b).metrics);
  const metrics: RunComparison['metrics'] = {};
  for (const name of new Set([...Object.keys(ma), ...Object.keys(mb)])) {
    const x = ma[name] ?? null;
    const y = mb[name] ?? null;
    metrics[name] = { a: x, b: y, diff: x === null || y === null ? null : y - x };
  }
  const filesOf = async (run: RunRow) => {
    const parts = trainRunOf(run).metrics.artifacts.parts;
    return `[${(await Promise.all(parts.map((p) => localPathOf(store, p.key)))).map((p) => `'${p.replaceAll("'", "''")}'`).join(', ')}]`;
  };
  const keyA = quoteIdent(trainRunOf(a).params.lineage.index.key_column);
  const keyB = quoteIdent(trainRunOf(b).params.lineage.index.key_column);
  const db = await openUnitDb();
  try {
    const joined = `FROM read_parquet(${await filesOf(a)}) x JOIN read_parquet(${await filesOf(b)}) y ON x.${keyA} = y.${keyB}`;
    const [summary] = (await db.connection.runAndReadAll(
      `SELECT count(*), count(*) FILTER (WHERE x.predicted_label <> y.predicted_label) ${joined}`)).getRowsJS();
    const samples = (await db.connection.runAndReadAll(
      `SELECT x.${keyA}, x.predicted_label, y.predicted_label ${joined} WHERE x.predicted_label <> y.predicted_label ORDER BY x.${keyA} LIMIT ${sampleLimit}`)).getRowsJS();
    return {
      a: a.id, b: b.id, metrics,
      flipped: {
        compared: Number(summary![0]), count: Number(summary![1]),
        samples: samples.map(([id, x, y]) => ({ sample_id: jsonKey(id), a: Number(x), b: Number(y) })),
      },
    };
  } finally {
    await db.close();
  }
}
