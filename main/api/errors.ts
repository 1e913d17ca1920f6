// Errors that may cross the process boundary, and the one function that turns any thrown value
// into the wire shape {name, message, kind}. Stacks stay in the host's log, never go to the page.
import type { ErrorKind, WireError } from '../../preload/contract.ts';

export class ApiError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, name = 'ApiError') {
    super(message);
    this.kind = kind;
    this.name = name;
  }
}

export class ValidationError extends ApiError {
  constructor(message: string) {
    super('validation', message, 'ValidationError');
  }
}

export class NotFoundError extends ApiError {
  constructor(message: string) {
    super('not_found', message, 'NotFoundError');
  }
}

export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super('forbidden', message, 'ForbiddenError');
  }
}

export class UnavailableError extends ApiError {
  constructor(message: string) {
    super('unavailable', message, 'UnavailableError');
  }
}

export class ConflictError extends ApiError {
  constructor(message: string) {
    super('conflict', message, 'ConflictError');
  }
}

/** The project store's error kinds (main/store/errors.ts) as API kinds; 'version' is a newer build's project. */
const STORE_KINDS: Record<string, ErrorKind> = { validation: 'validation', not_found: 'not_found', conflict: 'conflict', version: 'conflict' };

/** A StoreError (or anything shaped like one): an expected failure whose message is written for the user. */
function storeKind(err: unknown): ErrorKind | null {
  if (!(err instanceof Error) || !['StoreError', 'FutureSchemaError'].includes(err.name)) return null;
  const kind = (err as { kind?: unknown }).kind;
  return typeof kind === 'string' && Object.hasOwn(STORE_KINDS, kind) ? STORE_KINDS[kind]! : null;
}

/** True for failures the caller caused (bad input, unknown id, ...): not logged as bugs. */
export function isExpectedError(err: unknown): boolean {
  return err instanceof ApiError || storeKind(err) !== null;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof ApiError) return { name: err.name, message: err.message, kind: err.kind };
  const kind = storeKind(err);
  if (kind) return { name: (err as Error).name, message: (err as Error).message, kind };
  if (err instanceof Error) return { name: err.name, message: err.message, kind: 'internal' };
  return { name: 'Error', message: String(err), kind: 'internal' };
}
