// What the page asks the data worker (studio-data.worker.ts) and what it answers, through comlink: the page imports
// these types, never the worker. Arrays marked "moved" arrive transferred, not copied.
import type { LfDefinition } from '../../../shared/lf/types.ts';
import type { LabelArray } from '../../../shared/labelmodel/matrix.ts';
import type { LfFailure, LfResult, LfSession, SampleFilter, SampleRow } from '../analysis/lf-session.ts';
import type { QueryResult } from './duckdb-session.ts';
import type { TrainFitSettings, TrainOutput } from './train-protocol.ts';

/** A materialized asset version to load: an index, or a rule joined to it on the key column. */
export interface AssetRef { name: string; assetId: string; versionId: string; keyColumn: string }

export interface LoadResult {
  n: number; columns: { name: string; type: string }[]; rowType: string;
  /** Whether every asset came from the batch cache (nothing downloaded or decoded). */
  fromCache: boolean;
  ms: number;
  /** When the worker began the load (epoch ms, performance.timeOrigin + now): the page's wait for the worker before it. */
  startedAt: number;
  /** Where the load's time went, summed over the assets (they load concurrently, so bytes overlap decoding). */
  phases: Record<string, number>;
}

/** The LF notebook's numbers: every live LF's statistics and the label matrix's overall ones. */
export type LfSummary = ReturnType<LfSession['summary']>;

/** How many of a training's first rows the page gets (the results page's table of a result the server did not keep). */
export const RESULT_HEAD_ROWS = 50;

/** A training's per-row arrays: its output's, and each row's confidence (its top probability). */
export type ResultRowArrays = Pick<TrainOutput, 'probs' | 'preds' | 'nVotes'> & { confidence: Float64Array };

/** A training's output as the page gets it: the per-row arrays stay in the data worker (which writes the results
 *  Parquet and browses samples by them), the page gets their first RESULT_HEAD_ROWS rows. */
export type TrainedOutput = Omit<TrainOutput, 'probs' | 'preds' | 'nVotes'> & { head: ResultRowArrays };

/** A training the data worker handed to the train worker: its output, the matrix's size, the gold labels per class,
 *  and how long building the matrix took (the page's reef:train measure starts after it, as the fit's). */
export interface TrainedMatrix {
  out: TrainedOutput; n: number; m: number; goldPerClass: number[]; matrixMs: number;
  /** This worker's time (ms): waiting for the train worker's answer (fitCall), keeping the predictions (keep). */
  phases: { fitCall: number; keep: number };
}

/** A browser training kept on the server as a run (its job id), or why it was not. */
export type KeptResult = { jobId: string } | { error: string };

export interface StudioDataApi {
  /** Loads the index and rules (from the batch cache in OPFS, or the network); `token` fetches them and model LFs' models. */
  load(index: AssetRef, rules: AssetRef[], token: string, k: number, conceptId: string): Promise<LoadResult>;
  /** Applies one LF and answers with its cell's numbers and the new summary, in one message. */
  setLf(slot: string, def: Exclude<LfDefinition, { type: 'custom' }>): Promise<{ result: LfResult | LfFailure; summary: LfSummary }>;
  /** Places votes computed elsewhere (a custom LF's sandbox). */
  setVotes(slot: string, name: string, votes: LabelArray): { result: LfResult; summary: LfSummary };
  removeLf(slot: string): void;
  summary(): LfSummary;
  samples(filter: SampleFilter, offset: number, limit: number): { total: number; rows: SampleRow[]; predicted: boolean };
  /** Places gold labels stored by sample key; returns how many keys matched a loaded row. */
  setGoldByKey(labels: { key: string; label: number }[]): number;
  /** Sends the columns a custom LF reads on `port` (moved; the sandbox has the other end), as plain values or as the
   *  Python harness's JSON, then closes it; answers with the number of rows. */
  sendRows(port: MessagePort, format: 'values' | 'json'): number;
  /** The last training's results Parquet (as a Blob), written and uploaded here to be kept as a run, and what the
   *  results page shows of them: rows per class, ties and no votes (labelDistribution), the confidence histogram. */
  keepResult(cId: string, token: string, output: 'softmax' | 'hard', training: unknown): Promise<{ parquet: Blob; kept: KeptResult; distribution: number[]; histogram: number[] }>;
  /** Talks to the train worker over `port` (moved), the other end of the one the page gave the train worker. */
  connectTrainer(port: MessagePort): void;
  /**
   * Trains on the label matrix of these LFs (in this order) with the gold labels: both go from here to the train
   * worker, not through the page; `onEpoch` hears its progress. Keeps the predictions for the sample browser's
   * predicted-label filter and the results Parquet.
   */
  train(slots: string[], settings: TrainFitSettings, onEpoch: (epoch: number, epochs: number) => void): Promise<TrainedMatrix>;
  /** Row i's display fields, for the results table. */
  rows(rowIndexes: number[]): SampleRow[];
  /** Runs a SQL cell over `samples` (the joined assets) and `votes` (one column per live LF, by name). */
  sql(query: string): Promise<QueryResult>;
}
