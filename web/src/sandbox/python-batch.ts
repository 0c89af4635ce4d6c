// The samples as the Python harness reads them (shared/lf/python.ts), the server's sandbox's shape: JSON of
// { n, names, dates, columns }, timestamps as epoch milliseconds. Written in the data worker, sent to the sandbox.
export function pythonBatch(columns: Record<string, unknown[]>): string {
  const names = Object.keys(columns);
  const n = Object.values(columns)[0]?.length ?? 0;
  const dates = names.map((name) => columns[name]!.some((v) => v instanceof Date));
  const values = names.map((name, c) => (dates[c] ? columns[name]!.map((v) => (v instanceof Date ? v.getTime() : v)) : columns[name]!));
  return JSON.stringify({ n, names, dates, columns: values });
}
