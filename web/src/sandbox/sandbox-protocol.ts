// The custom-LF sandbox's messages (custom-lf.ts): the page posts a request to the sandbox iframe, which hands the
// job to its worker (TypeScript or Python, programs kept as text) and posts the worker's reply back with the id.
// The request carries a MessagePort on which the data worker sends the rows: RowsMessage, once.

export type SandboxLanguage = 'typescript' | 'python';

/** A TypeScript LF compiled to JavaScript, run over the samples' n rows. */
export interface TypeScriptJob { js: string; n: number; k: number }

/** A Python LF run by shared/lf/python.ts's harness in Pyodide, over the samples as the server's sandbox sends them. */
export interface PythonJob {
  indexURL: string; harness: string; code: string; constants: Record<string, number>; allowedImports: readonly string[];
  k: number;
}

/** The rows, from the data worker: the columns as plain values (TypeScript), or as the Python harness's JSON. */
export type RowsMessage = { columns: Record<string, unknown[]> } | { batch: string };

export interface SandboxRequest { id: number; timeLimitMs: number; job: TypeScriptJob | PythonJob; language: SandboxLanguage }

export type SandboxFailure = { error: 'TIMEOUT' | 'THROWS' | 'SANDBOX_FAILED'; message: string };
interface RowErrors { rowErrors: number; firstError: string }
/** Each row's raw numeric result (NaN for anything else or a throw); the page turns them into votes. */
export type TypeScriptReply = SandboxFailure | ({ returned: Float64Array } & RowErrors);
export type PythonReply = SandboxFailure | ({ votes: Int16Array } & RowErrors);
