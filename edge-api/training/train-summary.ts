// What a results page shows about a finished training run, computed where its rows are: DuckDB reads the run's
// results Parquet (every part, every row) beside the concept's gold labels, so a 10M-row run is summarized
// without any of it reaching the API's memory or the browser. Serves both server runs and kept browser runs.
import { join } from 'node:path';
import { quoteIdent, stringLiteral } from '../../shared/lf/sql-literals.ts';
import { HISTOGRAM_BINS, type ResultRows, type ResultsSummary, type RowFilter } from '../../shared/schema/results.ts';
import type { ObjectStore } from '../storage/index.ts';
import type { RunRow } from '../runs/run-store.ts';
import { majorityVoteProbs } from '../../shared/labelmodel/majority.ts';
import { scoreConfusion } from '../../shared/labelmodel/metrics.ts';
import { resultLabels, votesPerRow } from '../../shared/labelmodel/result-labels.ts';
import { votesObjectKey } from './train.ts';
import { labelsFromBytes } from './train-votes.ts';
import { resultsPrefix } from './train-spec.ts';
import { localPathOf, openUnitDb, type UnitDb } from './train-duckdb.ts';
import { jsonKey } from './train-results.ts';
import { trainRunOf } from './train-run.ts';

export interface GoldLabel { key: string; label: number }

/** Opens the run's results parts as the view `results` (row order kept as `reef_part`, `reef_row`) and `gold`. */
async function openResults(store: ObjectStore, run: RunRow, gold: GoldLabel[]): Promise<{ db: UnitDb; key: string; k: number }> {
  const { params, metrics } = trainRunOf(run);
  const parts = metrics.artifacts.parts;
  const files = await Promise.all(parts.map((p) => localPathOf(store, p.key)));
  const db = await openUnitDb();
  try {
    const list = `[${files.map(stringLiteral).join(', ')}]`;
    await db.connection.run(`CREATE VIEW results AS SELECT * EXCLUDE (filename, file_row_number), list_position(${list}, filename) AS reef_part, file_row_number AS reef_row
      FROM read_parquet(${list}, filename = true, file_row_number = true)`);
    await db.connection.run('CREATE TABLE gold (sample_key VARCHAR, label INTEGER)');
    const appender = await db.connection.createAppender('gold');
    for (const g of gold) {
      appender.appendVarchar(g.key);
      appender.appendInteger(g.label);
      appender.endRow();
    }
    appender.closeSync();
    return { db, key: quoteIdent(params.lineage.index.key_column), k: params.k };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** Label counts, the confidence histogram and the gold-label metrics of a finished run. */
export async function summarizeResults(store: ObjectStore, run: RunRow, gold: GoldLabel[]): Promise<Omit<ResultsSummary, 'lfs'>> {
  const softmax = trainRunOf(run).params.request.snorkel.output_type === 'softmax';
  const { db, key, k } = await openResults(store, run, gold);
  try {
    const read = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRowsJS().map((r) => r.map(Number));
    const labelCounts = new Array<number>(k + 1).fill(0);
    for (const [label, count] of await read('SELECT predicted_label, count(*) FROM results GROUP BY ALL')) labelCounts[label! < 0 ? k : label!]! += count!;
    const rows = labelCounts.reduce((a, b) => a + b, 0);
    const hasVoteCounts = (await db.connection.runAndReadAll('SELECT * FROM results LIMIT 0')).columnNames().includes('n_votes');
    const uncovered = hasVoteCounts ? (await read('SELECT count(*) FROM results WHERE n_votes = 0'))[0]![0]! : null;
    let histogram: ResultsSummary['histogram'] = null;
    if (softmax) {
      const lo = 1 / k;
      const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
      const bins = await read(`SELECT least(${HISTOGRAM_BINS - 1}, greatest(0, floor((confidence - ${lo}) / ${1 - lo} * ${HISTOGRAM_BINS})))::INTEGER AS bin, count(*)
        FROM results WHERE predicted_label >= 0 GROUP BY ALL`);
      for (const [bin, count] of bins) counts[bin!] = count!;
      histogram = { lo, counts };
    }
    const confusion = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
    const pairs = await read(`SELECT g.label, r.predicted_label, count(*) FROM results r JOIN gold g ON CAST(r.${key} AS VARCHAR) = g.sample_key
      WHERE g.label BETWEEN 0 AND ${k - 1} GROUP BY ALL`);
    for (const [g, p, count] of pairs) confusion[g!]![p! < 0 ? k : p!]! += count!;
    const goldRows = confusion.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0);
    // A gold row the run left without a label (a tie, or no LF voted) counts against it.
    return { rows, label_counts: labelCounts, abstained: labelCounts[k]!, uncovered, histogram, gold: goldRows ? { rows: goldRows, ...scoreConfusion(confusion, 'wrong'), confusion } : null };
  } finally {
    await db.close();
  }
}

/**
 * The table `majority` (reef_part, reef_row, majority_vote): each row's majority-vote label from the run's stored
 * votes (one object per unit, in part order), -1 for a tie or no vote, as the results mark them. A browser run keeps
 * no votes on the server, so it cannot be compared.
 */
async function loadMajorityVote(store: ObjectStore, run: RunRow, db: UnitDb): Promise<void> {
  const { params, metrics } = trainRunOf(run);
  if (!metrics.artifacts.votes_prefix || params.units.length !== metrics.artifacts.parts.length) {
    throw new TrainSummaryError('MAJORITY_VOTE_UNAVAILABLE', 'This run keeps no LF votes on the server (a browser run): use Run on server to compare its labels with majority vote.');
  }
  const m = params.lineage.lfs.length;
  await db.connection.run('CREATE TABLE majority (reef_part INTEGER, reef_row BIGINT, majority_vote INTEGER)');
  const appender = await db.connection.createAppender('majority');
  for (const [u, unit] of params.units.entries()) {
    const n = unit.hi - unit.lo;
    const L = labelsFromBytes(await store.getBytes(votesObjectKey(resultsPrefix(run.conceptId!, run.id), u)), params.k);
    const labels = resultLabels(majorityVoteProbs(L, n, m, params.k), params.k, votesPerRow(L, n, m), 'abstain');
    for (let i = 0; i < n; i++) {
      appender.appendInteger(u + 1); // list_position in openResults counts parts from 1
      appender.appendBigInt(BigInt(i));
      appender.appendInteger(labels[i]!);
      appender.endRow();
    }
  }
  appender.closeSync();
}

/** A request the run cannot answer, with a code the route maps to 409. */
export class TrainSummaryError extends Error {
  readonly code: 'MAJORITY_VOTE_UNAVAILABLE';
  constructor(code: 'MAJORITY_VOTE_UNAVAILABLE', message: string) {
    super(message);
    this.code = code;
  }
}

const jsonValue = (v: unknown): unknown => (typeof v === 'bigint' || v instanceof Date ? jsonKey(v) : v);

/** One page of the run's rows (every results column) in file order, optionally only those a filter keeps. */
export async function readResultRows(store: ObjectStore, run: RunRow, gold: GoldLabel[], options: {
  filter: RowFilter; offset: number; limit: number; threshold: number;
}): Promise<ResultRows> {
  const softmax = trainRunOf(run).params.request.snorkel.output_type === 'softmax';
  const { db, key } = await openResults(store, run, gold);
  try {
    const majority = options.filter === 'disagrees_with_majority_vote';
    if (majority) await loadMajorityVote(store, run, db);
    const where = options.filter === 'low_confidence' ? (softmax ? `r.confidence < ${Number(options.threshold)}` : 'false')
      : options.filter === 'contradicts_gold' ? 'g.label IS NOT NULL AND r.predicted_label <> g.label'
      : majority ? 'r.predicted_label <> mv.majority_vote' : 'true';
    const from = `FROM results r LEFT JOIN gold g ON CAST(r.${key} AS VARCHAR) = g.sample_key
      ${majority ? 'JOIN majority mv ON mv.reef_part = r.reef_part AND mv.reef_row = r.reef_row' : ''} WHERE ${where}`;
    const [[total]] = (await db.connection.runAndReadAll(`SELECT count(*) ${from}`)).getRowsJS();
    // Results written with the key only (results_columns "key", kept browser runs) get the index's columns for
    // the page's rows from the pinned index version, so every run's samples read the same.
    const index = trainRunOf(run).params.lineage.index;
    const present = new Set((await db.connection.runAndReadAll('SELECT * FROM results LIMIT 0')).columnNames());
    const missing = index.columns.map((c) => c.name).filter((name) => !present.has(name));
    const page = `SELECT r.*, g.label AS gold_label${majority ? ', mv.majority_vote' : ''} ${from} ORDER BY r.reef_part, r.reef_row LIMIT ${options.limit} OFFSET ${options.offset}`;
    let select = `SELECT * EXCLUDE (reef_part, reef_row) FROM (${page}) ORDER BY reef_part, reef_row`;
    if (missing.length > 0) {
      const files = await Promise.all(index.parts.map((p) => localPathOf(store, p.key)));
      const columns = missing.map((name) => `i.${quoteIdent(name)}`).join(', ');
      select = `SELECT p.${key}, ${columns}, p.* EXCLUDE (${key}, reef_part, reef_row) FROM (${page}) p
        LEFT JOIN read_parquet([${files.map(stringLiteral).join(', ')}]) i ON i.${key} = p.${key} ORDER BY p.reef_part, p.reef_row`;
    }
    const reader = await db.connection.runAndReadAll(select);
    const columns = reader.columnNames();
    const rows = reader.getRowObjectsJS().map((row) => Object.fromEntries(columns.map((c) => [c, jsonValue(row[c])])));
    return { total: Number(total), offset: options.offset, limit: options.limit, columns, rows };
  } finally {
    await db.close();
  }
}

/**
 * Every results row as one CSV file (all parts, in row order, the Parquet's columns), written by DuckDB into a scratch
 * file the caller streams and then removes with `done()`.
 */
export async function writeResultsCsv(store: ObjectStore, run: RunRow): Promise<{ path: string; done: () => Promise<void> }> {
  const { db } = await openResults(store, run, []);
  const path = join(db.scratch, 'results.csv');
  try {
    await db.connection.run(`COPY (SELECT * EXCLUDE (reef_part, reef_row) FROM results ORDER BY reef_part, reef_row) TO ${stringLiteral(path)} (HEADER, DELIMITER ',')`);
  } catch (err) {
    await db.close();
    throw err;
  }
  return { path, done: () => db.close() };
}
