// How a dataset lies in the object store (DESIGN.md "Assets" and "Results"): numbered Parquet parts under one prefix.
import type { ObjectInfo, ObjectStore } from './index.ts';

/** The key of part `index` under `prefix`: `{prefix}/part-00000.parquet`, … */
export const partKey = (prefix: string, index: number) => `${prefix}/part-${String(index).padStart(5, '0')}.parquet`;

const PART = /\/part-\d+\.parquet$/;

/** The Parquet parts stored under `prefix`, in part order (the order of their rows). */
export async function listParts(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const parts = (await store.list(`${prefix}/`)).filter((o) => PART.test(o.key));
  return parts.sort((a, b) => a.key.localeCompare(b.key));
}
