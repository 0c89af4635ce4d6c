// The notebook's working set: the loaded samples as typed columns, one cached vote column per LF, and the
// incremental analysis over them. Editing an LF recomputes that LF's column only (shared/analysis's cache
// updates the statistics in O(n)). Pure and DOM-free: it runs in the data worker and in unit tests.
import { LfAnalysisCache } from '../../../shared/analysis/column-cache.ts';
import type { LabelMatrixAnalysis, LfStats } from '../../../shared/analysis/analyze.ts';
import { cellValue, type BatchColumn, type ColumnBatch } from '../../../shared/lf/column-batch.ts';
import { labelMatrixFromColumns } from '../../../shared/lf/apply.ts';
import { compileLf } from '../../../shared/lf/compile.ts';
import { confidences } from '../../../shared/labelmodel/confidence.ts';
import { allocateLabels, type LabelArray } from '../../../shared/labelmodel/matrix.ts';
import type { AssetSchema, LfDefinition, VoteColumn } from '../../../shared/lf/types.ts';
import { trainAnalysisOf } from '../workers/train-analysis.ts';
import type { TrainAnalysis } from '../workers/train-protocol.ts';

export interface SampleTable {
  n: number;
  keyColumn: string;
  schema: AssetSchema;
  /** The only copy of the samples: LFs scan it, and rows are read back from it (cellValue) when shown. */
  batch: ColumnBatch;
}

export interface SampleRow {
  row: number; key: string; vote?: number; gold: number; fields: Record<string, string>;
  /** After training: the predicted class (-1: a tie) and its probability. */
  predicted?: number; confidence?: number;
}

export interface LfResult {
  slot: string;
  stats: LfStats;
  /** A few rows the LF votes on. */
  samples: SampleRow[];
  ms: number;
  /** Where the time went: computing the votes, the incremental statistics, picking the sample rows (`ms`), then the summary. */
  phases: { votes: number; stats: number; samples: number; summary?: number };
}

export interface LfFailure { slot: string; code: string; message: string }

export type SampleFilter =
  | { kind: 'all' }
  | { kind: 'lf'; slot: string; vote?: number }
  | { kind: 'conflicts' }
  | { kind: 'abstain-all' }
  | { kind: 'gold'; label: number }
  /** After training: rows predicted `label` (-1: ties) with confidence in [minConfidence, maxConfidence]. */
  | { kind: 'predicted'; label: number; minConfidence: number; maxConfidence: number };

const SAMPLE_COUNT = 5;

/** A cell as text: timestamps (microseconds of wall-clock time) as ISO dates, null as ∅. */
function show(column: BatchColumn | undefined, i: number): string {
  if (!column) return '∅';
  const v = cellValue(column, i);
  if (v === null) return '∅';
  if (column.type === 'timestamp') return isoTimestamp(Number(v));
  return String(v);
}

function isoTimestamp(micros: number): string {
  const date = new Date(Math.floor(micros / 1000));
  return Number.isNaN(date.getTime()) ? String(micros) : date.toISOString().replace(/(\.000)?Z$/, '');
}

export class LfSession {
  readonly table: SampleTable;
  readonly k: number;
  private gold: Int32Array;
  private readonly cache: LfAnalysisCache;
  /** LF slot (the notebook cell's LF id) → column index in the cache; a removed LF's column is all-abstain and its index reused. */
  private readonly slots = new Map<string, number>();
  private readonly columns: VoteColumn[] = [];
  private readonly freeColumns: number[] = [];
  /** The last training's; each row's confidence is computed when first asked for. */
  private predictions: { preds: Int32Array; probs: Float64Array; nVotes: Int32Array; confidence?: Float64Array } | undefined;

  constructor(table: SampleTable, k: number, gold?: Int32Array) {
    this.table = table;
    this.k = k;
    this.gold = gold ?? new Int32Array(table.n).fill(-1);
    this.cache = new LfAnalysisCache(table.n, k, this.gold);
  }

  /** Compiles and applies an LF (template, regex or SQL expression), replacing the slot's previous votes. */
  setLf(slot: string, def: Exclude<LfDefinition, { type: 'custom' | 'model' }>): LfResult {
    const started = performance.now();
    const compiled = compileLf(def, this.table.schema, this.k);
    const votes = compiled.evaluate!(this.table.batch);
    return this.placeVotes(slot, votes, started);
  }

  /** Votes computed elsewhere (custom LFs run in the sandbox). */
  setVotes(slot: string, votes: VoteColumn): LfResult {
    return this.placeVotes(slot, votes, performance.now());
  }

  removeLf(slot: string): void {
    const j = this.slots.get(slot);
    if (j === undefined) return;
    const empty = this.emptyColumn();
    this.cache.setColumn(j, empty);
    this.columns[j] = empty;
    this.slots.delete(slot);
    this.freeColumns.push(j);
  }

  /** Overall coverage/overlap/conflict, and each live LF's statistics by slot. */
  summary(): { overall: Omit<LabelMatrixAnalysis, 'lfs'>; lfs: { slot: string; stats: LfStats }[] } {
    const analysis = this.cache.analysis();
    const { lfs, ...overall } = analysis;
    return { overall, lfs: [...this.slots].map(([slot, j]) => ({ slot, stats: lfs[j]! })) };
  }

  /** Records gold labels as [row, label] pairs (label -1 clears one); accuracy numbers then count them. */
  setGold(entries: [number, number][]): void {
    // O(m) per label: only the labelled row's entries of the cache's gold tallies move.
    for (const [row, label] of entries) {
      this.gold[row] = label;
      this.cache.setGold(row, label);
    }
  }

  /** The row of each key (as text), for placing gold labels that the API stores by sample key. */
  rowsOfKeys(keys: string[]): number[] {
    const wanted = new Map(keys.map((k, i) => [k, i]));
    const rows = new Array<number>(keys.length).fill(-1);
    const keyColumn = this.table.batch.columns[this.table.keyColumn];
    for (let i = 0; i < this.table.n; i++) {
      const at = wanted.get(show(keyColumn, i));
      if (at !== undefined) rows[at] = i;
    }
    return rows;
  }

  goldLabels(): Int32Array {
    return this.gold.slice();
  }

  /** The N×M row-major label matrix of the live LFs, in `slots` order (Int16Array when k > 127). */
  labelMatrix(slots: string[]): LabelArray {
    const columns = slots.map((slot) => {
      const j = this.slots.get(slot);
      if (j === undefined) throw new Error(`No LF in slot ${slot}: apply it before training.`);
      return this.columns[j]!;
    });
    return labelMatrixFromColumns(columns, this.table.n, this.k);
  }

  /**
   * The LF analysis and votes per row of labelMatrix(slots), from the incremental cache, when `slots` are exactly
   * the live LFs (the cache counts over all of them); undefined otherwise. Empirical accuracies only with gold rows.
   */
  trainingCounts(slots: string[]): { analysis: TrainAnalysis; nVotes: Int32Array } | undefined {
    const columns = slots.map((slot) => this.slots.get(slot));
    if (slots.length !== this.slots.size || new Set(slots).size !== slots.length || columns.some((j) => j === undefined)) return undefined;
    const a = this.cache.analysis();
    const analysis = { ...a, m: slots.length, lfs: columns.map((j, at) => ({ ...a.lfs[j!]!, j: at })) };
    return { analysis: trainAnalysisOf(analysis, this.gold.some((y) => y >= 0)), nVotes: this.cache.votesPerRow() };
  }

  liveSlots(): string[] {
    return [...this.slots.keys()];
  }

  /** The last training's predictions (row order), for browsing samples by predicted label and confidence. */
  setPredictions(preds: Int32Array, probs: Float64Array, nVotes: Int32Array): void {
    const { n } = this.table;
    if (preds.length !== n || probs.length !== n * this.k || nVotes.length !== n) throw new Error(`Predictions for ${preds.length} rows do not fit the ${n} loaded samples; train again.`);
    this.predictions = { preds, probs, nVotes };
  }

  /** The last training's predicted labels, row-major n×k probabilities, votes and confidence per row, if any. */
  lastPredictions(): { preds: Int32Array; probs: Float64Array; nVotes: Int32Array; confidence: Float64Array } | undefined {
    const p = this.predictions;
    if (!p) return undefined;
    p.confidence ??= confidences(p.probs, this.k);
    return { preds: p.preds, probs: p.probs, nVotes: p.nVotes, confidence: p.confidence };
  }

  /** Rows matching a filter, from `offset`, at most `limit`, with the filtered count. */
  samples(filter: SampleFilter, offset = 0, limit = 20): { total: number; rows: SampleRow[]; predicted: boolean } {
    const { n } = this.table;
    const predicted = this.predictions !== undefined;
    if (filter.kind === 'all') {
      const rows = [];
      for (let i = offset; i < Math.min(n, offset + limit); i++) rows.push(this.sampleRow(i));
      return { total: n, rows, predicted };
    }
    const test = this.rowTest(filter);
    const rows: SampleRow[] = [];
    let total = 0;
    const col = filter.kind === 'lf' ? this.columns[this.slots.get(filter.slot) ?? -1] : undefined;
    for (let i = 0; i < n; i++) {
      if (!test(i)) continue;
      if (total >= offset && rows.length < limit) rows.push(this.sampleRow(i, col));
      total++;
    }
    return { total, rows, predicted };
  }

  sampleRow(i: number, votes?: VoteColumn): SampleRow {
    const fields: Record<string, string> = {};
    const columns = this.table.batch.columns;
    for (const c of this.table.schema.columns) fields[c.name] = show(columns[c.name], i);
    const p = this.lastPredictions();
    return {
      row: i, key: show(columns[this.table.keyColumn], i), vote: votes?.[i], gold: this.gold[i]!, fields,
      ...(p ? { predicted: p.preds[i]!, confidence: p.confidence[i]! } : {}),
    };
  }

  private rowTest(filter: SampleFilter): (i: number) => boolean {
    const live = [...this.slots.values()].map((j) => this.columns[j]!);
    switch (filter.kind) {
      case 'all': return () => true;
      case 'gold': return (i) => this.gold[i] === filter.label;
      case 'predicted': {
        const p = this.lastPredictions();
        if (!p) return () => false;
        return (i) => p.preds[i] === filter.label && p.confidence[i]! >= filter.minConfidence && p.confidence[i]! <= filter.maxConfidence;
      }
      case 'lf': {
        const col = this.columns[this.slots.get(filter.slot) ?? -1];
        if (!col) return () => false;
        return filter.vote === undefined ? (i) => col[i] !== -1 : (i) => col[i] === filter.vote;
      }
      case 'abstain-all': return (i) => live.every((c) => c[i] === -1);
      case 'conflicts': return (i) => {
        let seen = -1;
        for (const c of live) {
          const v = c[i]!;
          if (v === -1) continue;
          if (seen !== -1 && v !== seen) return true;
          seen = v;
        }
        return false;
      };
    }
  }

  private placeVotes(slot: string, votes: VoteColumn, started: number): LfResult {
    let j = this.slots.get(slot);
    if (j === undefined) {
      j = this.freeColumns.pop() ?? this.columns.length;
      this.slots.set(slot, j);
    }
    const placing = performance.now();
    this.cache.setColumn(j, votes);
    this.columns[j] = votes;
    const stats = this.cache.analysis().lfs[j]!;
    const sampling = performance.now();
    const samples: SampleRow[] = [];
    for (let i = 0; i < votes.length && samples.length < SAMPLE_COUNT; i++) if (votes[i] !== -1) samples.push(this.sampleRow(i, votes));
    const done = performance.now();
    return { slot, stats, samples, ms: done - started, phases: { votes: placing - started, stats: sampling - placing, samples: done - sampling } };
  }

  private emptyColumn(): VoteColumn {
    return allocateLabels(this.k, this.table.n).fill(-1);
  }
}
