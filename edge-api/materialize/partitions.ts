// An asset's partitions: one job each, so workers materialize them in parallel and a backfill reruns only the failed.
// Each partition narrows the asset's own query with a WHERE on the partition column; bounds are bound parameters.
import type { SqlDialect } from '../sources/params.ts';

export interface Partition {
  key: string;
  /** The asset query narrowed to this partition, with `:name` parameters. */
  sql: string;
  params: Record<string, string | number | null>;
}

export class PartitionConfigError extends Error {
  readonly code = 'PARTITION_CONFIG_INVALID';
}

const UNITS = ['hour', 'day', 'week', 'month', 'year'] as const;
type Unit = (typeof UNITS)[number];
/** More partitions than this is almost surely a mistaken interval; refuse rather than queue a million jobs. */
const MAX_PARTITIONS = 10_000;

export function quoteIdentifier(name: string, dialect: SqlDialect): string {
  return dialect === 'mysql' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`;
}

function addInterval(date: Date, unit: Unit): Date {
  const d = new Date(date);
  if (unit === 'hour') d.setUTCHours(d.getUTCHours() + 1);
  else if (unit === 'day') d.setUTCDate(d.getUTCDate() + 1);
  else if (unit === 'week') d.setUTCDate(d.getUTCDate() + 7);
  else if (unit === 'month') d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d;
}

function requireString(config: Record<string, unknown>, field: string, example: string): string {
  const value = config[field];
  if (typeof value !== 'string' || !value) throw new PartitionConfigError(`partition_config.${field} is required (e.g. ${example}).`);
  return value;
}

/** The partitions of an asset; an unpartitioned asset is one partition, "all". */
export function planPartitions(
  sql: string, partitionType: string | null | undefined, config: Record<string, unknown> | null | undefined, dialect: SqlDialect,
): Partition[] {
  const base = sql.trim().replace(/;\s*$/, '');
  if (!partitionType) return [{ key: 'all', sql: base, params: {} }];
  const cfg = config ?? {};
  const column = quoteIdentifier(requireString(cfg, 'column', '"created_at"'), dialect);
  const narrowed = (where: string) => `SELECT * FROM (${base}) AS reef_partition WHERE ${where}`;
  const parts: Partition[] = [];
  const push = (p: Partition) => {
    if (parts.length >= MAX_PARTITIONS) throw new PartitionConfigError(`The partition_config gives more than ${MAX_PARTITIONS} partitions; use a coarser interval or size.`);
    parts.push(p);
  };

  if (partitionType === 'time') {
    const unit = (cfg.interval ?? 'day') as Unit;
    if (!UNITS.includes(unit)) throw new PartitionConfigError(`partition_config.interval must be one of ${UNITS.join(', ')}.`);
    const start = new Date(requireString(cfg, 'start', '"2024-01-01"'));
    const end = new Date(requireString(cfg, 'end', '"2025-01-01"'));
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || start >= end) {
      throw new PartitionConfigError('partition_config.start and .end must be ISO dates with start before end.');
    }
    for (let lo = start; lo < end; lo = addInterval(lo, unit)) {
      const hi = addInterval(lo, unit) < end ? addInterval(lo, unit) : end;
      push({ key: lo.toISOString(), sql: narrowed(`${column} >= :reef_lo AND ${column} < :reef_hi`), params: { reef_lo: lo.toISOString(), reef_hi: hi.toISOString() } });
    }
    return parts;
  }
  if (partitionType === 'id_range') {
    const start = Number(cfg.start), end = Number(cfg.end), size = Number(cfg.size);
    if (![start, end, size].every(Number.isSafeInteger) || size <= 0 || start >= end) {
      throw new PartitionConfigError('partition_config for id_range needs integers start < end and size > 0, e.g. {"column":"id","start":0,"end":1000000,"size":100000}.');
    }
    for (let lo = start; lo < end; lo += size) {
      push({ key: String(lo), sql: narrowed(`${column} >= :reef_lo AND ${column} < :reef_hi`), params: { reef_lo: lo, reef_hi: Math.min(lo + size, end) } });
    }
    return parts;
  }
  if (partitionType === 'categorical') {
    const values = cfg.values;
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string' || typeof v === 'number')) {
      throw new PartitionConfigError('partition_config for categorical needs "values": a non-empty list of strings or numbers.');
    }
    values.forEach((value) => { push({ key: String(value), sql: narrowed(`${column} = :reef_value`), params: { reef_value: value } }); });
    // Rows outside the listed values (or NULL) still belong to the asset: they get a partition of their own.
    const others = values.map((_, i) => `:reef_v${i}`).join(', ');
    push({
      key: '__other__',
      sql: narrowed(`(${column} IS NULL OR ${column} NOT IN (${others}))`),
      params: Object.fromEntries(values.map((v, i) => [`reef_v${i}`, v])),
    });
    return parts;
  }
  throw new PartitionConfigError(`partition_type must be time, id_range or categorical, not "${partitionType}".`);
}
