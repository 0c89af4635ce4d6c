// One unit's votes and what it contributes to the fit: every LF evaluated by shared/lf (the browser's engine and
// semantics), custom LFs in the QuickJS sandbox on a worker thread, model LFs in onnxruntime-node (shared/onnx, the browser worker's
// evaluator), the label matrix, the label model's sufficient statistics and the
// LF analysis tallies. Statistics and tallies are integer counts, so partitions add up to the whole-matrix ones.
import { countLabelMatrix } from '../../shared/analysis/analyze.ts';
import { compileLf } from '../../shared/lf/compile.ts';
import type { ColumnBatch } from '../../shared/lf/column-batch.ts';
import type { AssetColumn, CompiledLf, VoteColumn } from '../../shared/lf/types.ts';
import { labelMatrixFromColumns } from '../../shared/lf/apply.ts';
import {
  allocateLabels, computeSufficientStats, devSplit, mergeStats, serializeCounts, statsFromJSON, statsToJSON,
  type LabelArray, type SerializedCounts, type SufficientStats, type SufficientStatsJSON,
} from '../../shared/labelmodel/index.ts';
import { NumpyRandomState } from '../../shared/labelmodel/random.ts';
import { isModelLfError } from '../../shared/onnx/index.ts';
import { modelLfVotes, type ModelCache } from '../models/onnx-models.ts';
import { PythonLfSandbox, type PythonLf } from '../sandbox/python-sandbox.ts';
import { CustomLfError, DEFAULT_SANDBOX_LIMITS, type CustomLfRun, type SandboxLimits } from '../sandbox/sandbox.ts';
import { customLfVotes, unitBudgetMs } from '../sandbox/sandbox-thread.ts';
import { lfDefinitionOf, type PinnedLf, type TrainUnit } from './train-spec.ts';

export interface LfProblem {
  lf: string;
  code: string;
  message: string;
  /** Rows the LF failed on in this unit (they abstain). */
  rows: number;
}

export interface CompiledUnitLfs {
  lfs: CompiledLf[];
  /** The columns the unit must load for them. */
  fields: string[];
}

export function compileUnitLfs(lfs: PinnedLf[], schema: AssetColumn[], k: number): CompiledUnitLfs {
  const compiled = lfs.map((lf) => compileLf(lfDefinitionOf(lf.snapshot), { columns: schema }, k));
  const fields = [...new Set(compiled.flatMap((lf) => lf.fields))];
  return { lfs: compiled, fields };
}

/** A model LF that cannot run (its model's code: MODEL_NAN_OUTPUT, MODEL_OUTPUT_SHAPE, …), naming the LF. */
export class ModelLfRunError extends Error {
  readonly code: string;
  readonly lf: string;
  constructor(code: string, lf: string, message: string) {
    super(`Model LF "${lf}": ${message}`);
    this.name = 'ModelLfRunError';
    this.code = code;
    this.lf = lf;
  }
}

/** What model LFs need: the process's loaded models and the concept they were uploaded to. */
export interface UnitModels { cache: ModelCache; conceptId: string }

/** A model LF's votes on the unit, as the label matrix's element type; a model that cannot run is a ModelLfRunError. */
async function modelVotes(models: UnitModels | undefined, lf: PinnedLf, label: number, batch: ColumnBatch, k: number): Promise<Int8Array | Int16Array> {
  if (!models) throw new ModelLfRunError('MODEL_NOT_FOUND', lf.name, 'this process has no object store to load models from.');
  if (lf.snapshot.lf_type !== 'model') throw new TypeError(`LF "${lf.name}" is a ${lf.snapshot.lf_type} LF, not a model LF`);
  const config = lf.snapshot.config;
  try {
    const votes = await modelLfVotes(models.cache, models.conceptId, config, label, batch);
    return k > 127 ? Int16Array.from(votes) : votes;
  } catch (err) {
    if (isModelLfError(err)) throw new ModelLfRunError(err.code, lf.name, err.message);
    throw err;
  }
}

/**
 * The unit's N×M label matrix. A custom or model LF that fails is reported; with on_lf_error 'fail' the error is thrown
 * (naming the LF) and the run fails, with 'skip' the LF abstains where it failed. The other LFs vote either way.
 * A custom LF that does not vote the same twice (CUSTOM_LF_NONDETERMINISTIC) or runs past its share of the run's
 * time budget (`runShare`: the unit's fraction of the run's rows) fails as a whole: it abstains on every row.
 */
export async function unitLabelMatrix(
  batch: ColumnBatch, compiled: CompiledUnitLfs, lfs: PinnedLf[], schema: AssetColumn[], k: number,
  options: { onLfError: 'fail' | 'skip'; sandbox?: SandboxLimits; runShare?: number; models?: UnitModels; classes?: readonly string[] },
): Promise<{ L: LabelArray; problems: LfProblem[] }> {
  const n = batch.length;
  const m = compiled.lfs.length;
  const problems: LfProblem[] = [];
  const columns: VoteColumn[] = [];
  for (const [j, lf] of compiled.lfs.entries()) {
    // Let the queue's heartbeat timer run between LFs: a long synchronous stretch looks like a dead worker.
    await new Promise((resolve) => setImmediate(resolve));
    if (lf.evaluate) {
      columns.push(lf.evaluate(batch));
      continue;
    }
    if (lf.type === 'model') {
      try {
        columns.push(await modelVotes(options.models, lfs[j]!, lf.label, batch, k));
      } catch (err) {
        if (options.onLfError === 'fail' || !(err instanceof ModelLfRunError)) throw err;
        problems.push({ lf: lf.name, code: err.code, message: err.message, rows: n });
        columns.push(allocateLabels(k, n).fill(-1));
      }
      continue;
    }
    const config = lfs[j]!.snapshot.config as { code: string; language?: string; allowed_imports?: string[] | null };
    const limits = options.sandbox ?? DEFAULT_SANDBOX_LIMITS;
    try {
      const run = config.language === 'python'
        ? await pythonLfVotes({ name: lf.name, code: config.code, allowedImports: config.allowed_imports ?? [], classes: options.classes ?? [] }, batch, schema, k, limits)
        : await customLfVotes({ name: lf.name, code: config.code }, batch, schema, k, limits, unitBudgetMs(limits, options.runShare ?? 1));
      if (run.errors > 0) {
        if (options.onLfError === 'fail') throw new CustomLfError('CUSTOM_LF_THREW', lf.name, `threw on ${run.errors} of ${n} rows (first: ${run.firstError}); fix it, or run with on_lf_error "skip".`);
        problems.push({ lf: lf.name, code: 'CUSTOM_LF_THREW', message: `Custom LF "${lf.name}" threw on ${run.errors} of ${n} rows (first: ${run.firstError}).`, rows: run.errors });
      }
      if (run.invalid > 0) {
        const what = `returned ${run.firstInvalid} (not ABSTAIN or a class 0..${k - 1}) on ${run.invalid} of ${n} rows; those rows abstain`;
        if (options.onLfError === 'fail') throw new CustomLfError('CUSTOM_LF_BAD_VOTE', lf.name, `${what}. Return ABSTAIN or a class index, or run with on_lf_error "skip".`);
        problems.push({ lf: lf.name, code: 'CUSTOM_LF_BAD_VOTE', message: `Custom LF "${lf.name}" ${what}.`, rows: run.invalid });
      }
      columns.push(run.votes);
    } catch (err) {
      if (options.onLfError === 'fail' || !(err instanceof CustomLfError)) throw err;
      problems.push({ lf: lf.name, code: err.code, message: err.message, rows: n });
      columns.push(allocateLabels(k, n).fill(-1));
    }
  }
  return { L: labelMatrixFromColumns(columns, n, k), problems };
}

/** A Python LF's votes, from its own confined Pyodide process (python-sandbox.ts), stopped once done. */
async function pythonLfVotes(lf: PythonLf, batch: ColumnBatch, schema: AssetColumn[], k: number, limits: SandboxLimits): Promise<CustomLfRun> {
  const sandbox = await PythonLfSandbox.create(lf, limits);
  try {
    return await sandbox.votes(batch, schema, k);
  } finally {
    sandbox.dispose();
  }
}

/**
 * Which rows of the unit are in the run's fitting sample: Knuth's selection sampling (Algorithm S) over the whole
 * index, seeded, exactly `size` rows. Every unit walks it from row 0, so the sample does not depend on how the
 * index was cut into units or parts.
 */
export function sampleMask(unit: Pick<TrainUnit, 'offset'>, n: number, total: number, size: number, seed: number): Uint8Array {
  const mask = new Uint8Array(n);
  const rng = new NumpyRandomState(seed);
  let chosen = 0;
  const end = unit.offset + n;
  for (let t = 0; t < end; t++) {
    const pick = (total - t) * rng.random() < size - chosen;
    if (pick) chosen++;
    if (t >= unit.offset) mask[t - unit.offset] = pick ? 1 : 0;
  }
  return mask;
}

export function selectRows(L: LabelArray, m: number, mask: Uint8Array, k: number): { L: LabelArray; n: number } {
  let n = 0;
  for (const x of mask) n += x;
  const out = allocateLabels(k, n * m);
  for (let i = 0, r = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    out.set(L.subarray(i * m, i * m + m), r * m);
    r++;
  }
  return { L: out, n };
}

/** What a unit hands to the fit, as JSON (stored on its partition row). */
export interface UnitContribution {
  stats: SufficientStatsJSON;
  counts: SerializedCounts;
  /** Votes and gold labels of the rows that have gold labels: the dev split for `auto` and the dev accuracy. */
  dev?: { L: string; Y: number[] };
  problems: LfProblem[];
}

export function mergeAllStats(all: SufficientStatsJSON[]): SufficientStats {
  return all.map(statsFromJSON).reduce((a, b) => mergeStats(a, b));
}

export const labelBytes = (L: LabelArray) => new Uint8Array(L.buffer, L.byteOffset, L.byteLength);

export function labelsFromBytes(bytes: Uint8Array, k: number): LabelArray {
  // A fresh, exactly-sized buffer: a Node Buffer (or its slice) may be a view into a shared pool.
  const copy = new Uint8Array(bytes);
  return k > 127 ? new Int16Array(copy.buffer, 0, copy.byteLength / 2) : new Int8Array(copy.buffer);
}

/** Everything the unit contributes, from its matrix (and its gold labels, -1 where there are none). */
export function unitContribution(
  L: LabelArray, n: number, m: number, k: number,
  options: { gold?: Int16Array; sample?: Uint8Array; patterns: boolean; problems: LfProblem[] },
): UnitContribution {
  const fit = options.sample ? selectRows(L, m, options.sample, k) : { L, n };
  const stats = computeSufficientStats(fit.L, fit.n, m, k, { patterns: options.patterns });
  const counts = countLabelMatrix(L, n, m, k, options.gold);
  const gold = options.gold && devSplit(L, m, k, options.gold);
  const dev = gold && { L: Buffer.from(labelBytes(gold.L)).toString('base64'), Y: Array.from(gold.Y) };
  return { stats: statsToJSON(stats), counts: serializeCounts(counts), ...(dev ? { dev } : {}), problems: options.problems };
}
