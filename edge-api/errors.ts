// Errors are values with a stable code. Every error response is { error: { code, message, details } }.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ModelLfErrorCode } from '../shared/onnx/model-lf.ts';
import { DomainError, type DomainErrorCode } from './domain-error.ts';
import type { SqlGuardCode } from './security/sql-guard.ts';

export type ErrorCode =
  | 'VALIDATION_FAILED' | 'MALFORMED_JSON' | 'JSON_TOO_DEEP' | 'UPLOAD_INVALID' | 'PAYLOAD_TOO_LARGE' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND'
  | 'CONFLICT' | 'IN_USE' | 'INVALID_LABEL' | 'CUSTOM_LF_INVALID' | 'PYTHON_LF_INVALID' | 'LF_INVALID' | 'NOT_MATERIALIZED'
  | 'NOT_AVAILABLE' | 'CONNECTION_FAILED' | 'CONNECTION_IS_REEF_DATABASE' | 'CONNECTION_ROLE_CAN_WRITE' | 'TRUSTED_WRITER_ROLE_ADMIN_ONLY' | 'SOURCE_ERROR' | 'SOURCE_QUERY_TIMEOUT' | 'MAJORITY_VOTE_UNAVAILABLE' | 'APPROVAL_REQUIRED' | 'PARTITION_CONFIG_INVALID' | 'INTERNAL'
  | SqlGuardCode | ModelLfErrorCode | DomainErrorCode;

export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(status: ContentfulStatusCode, code: ErrorCode, message: string, details?: unknown) {
    super(status, { message });
    this.code = code;
    this.details = details;
  }
}

export const notFound = (what: string, id: string) =>
  new ApiError(404, 'NOT_FOUND', `No ${what} with id ${id}. List them to find the right id.`);

export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
  return c.json({ error: { code, message, ...(details === undefined ? {} : { details }) } }, status);
}

/** The status each code of a job's or service's error answers with. */
const domainStatus: Record<DomainErrorCode, ContentfulStatusCode> = {
  VALIDATION_FAILED: 400, NOT_MATERIALIZED: 400, APPROVAL_REQUIRED: 400, LF_INVALID: 400, PARTITION_CONFIG_INVALID: 400,
  NOT_FOUND: 404, CONFLICT: 409, IN_USE: 409,
};

/** The database's constraint errors, told as what the user did (postgres.js and PGlite both carry `code`). */
function databaseError(err: unknown): ApiError | undefined {
  const e = (err as { cause?: unknown }).cause ?? err;
  const code = (e as { code?: unknown }).code;
  const detail = (e as { detail?: string }).detail;
  if (code === '23505') {
    const field = /Key \(([^)]*)\)/.exec(detail ?? '')?.[1]?.replace('concept_id, ', '');
    return new ApiError(409, 'CONFLICT', `That ${field ?? 'name'} is already taken; choose another.`, { constraint: (e as { constraint_name?: string }).constraint_name });
  }
  if (code === '23503') {
    return new ApiError(409, 'IN_USE', 'This is still referenced by something else (an index or rule uses this connection?); remove that first.');
  }
  // PostgreSQL cannot store U+0000 in text (22021) or in jsonb (22P05); JSON can carry it, so it is the client's to fix.
  if (code === '22021' || code === '22P05') {
    return new ApiError(400, 'VALIDATION_FAILED', 'The request contains a NUL character (\\u0000), which cannot be stored; remove it and send again.');
  }
  return undefined;
}

export function handleError(err: unknown, c: Context) {
  if ((err as { code?: unknown }).code === 'SQL_PARSER_UNAVAILABLE') return errorResponse(c, 503, 'SQL_PARSER_UNAVAILABLE', (err as Error).message);
  if (err instanceof DomainError) return errorResponse(c, domainStatus[err.code], err.code, err.message, err.details);
  const known = err instanceof ApiError ? err : databaseError(err);
  if (known) return errorResponse(c, known.status as ContentfulStatusCode, known.code, known.message, known.details);
  if (err instanceof HTTPException) {
    if (err.status === 413) return errorResponse(c, 413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than 1 MB; send less at a time.');
    if (err.message.startsWith('Malformed JSON')) return errorResponse(c, 400, 'MALFORMED_JSON', 'The request body is not valid JSON; check quotes, commas and brackets.');
    if (err.status < 500) return errorResponse(c, err.status as ContentfulStatusCode, 'VALIDATION_FAILED', err.message);
  }
  console.error('reef: unexpected error', err);
  return errorResponse(c, 500, 'INTERNAL', 'Something went wrong on the server; the request was not applied. Try again, and report it if it repeats.');
}
