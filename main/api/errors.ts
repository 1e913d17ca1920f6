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

export function toWireError(err: unknown): WireError {
  if (err instanceof ApiError) return { name: err.name, message: err.message, kind: err.kind };
  if (err instanceof Error) return { name: err.name, message: err.message, kind: 'internal' };
  return { name: 'Error', message: String(err), kind: 'internal' };
}
