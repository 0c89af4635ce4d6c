// What jobs and services throw when a request cannot be carried out: a stable code and a message that says what to
// do. They know nothing of HTTP; errors.ts (the HTTP layer) gives each code its status.

export type DomainErrorCode =
  | 'VALIDATION_FAILED' | 'NOT_FOUND' | 'CONFLICT' | 'IN_USE' | 'NOT_MATERIALIZED' | 'APPROVAL_REQUIRED' | 'LF_INVALID'
  | 'PARTITION_CONFIG_INVALID';

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly details: unknown;
  constructor(code: DomainErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/** Nothing of this kind has this id (the same words as the HTTP layer's notFound). */
export const missing = (what: string, id: string) =>
  new DomainError('NOT_FOUND', `No ${what} with id ${id}. List them to find the right id.`);
