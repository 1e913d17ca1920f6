// Errors the project store throws. Every message names the function, the argument, the value received
// and what was expected (style.md rule 10), so the UI can show it as is and one log line is enough to
// debug it. `kind` lets callers branch without parsing text (the API layer maps it to its ErrorKind).

export type StoreErrorKind =
  /** The input does not match its schema, or a file is not what it should be. */
  | 'validation'
  /** An id or file the input refers to does not exist. */
  | 'not_found'
  /** The input is well formed but clashes with what is stored (a duplicate SKU, a terminal job). */
  | 'conflict'
  /** The database's schema version cannot be handled by this build. */
  | 'version';

export interface StoreErrorDetails {
  fn?: string;
  argument?: string;
  value?: unknown;
  expected?: string;
}

export class StoreError extends Error {
  readonly kind: StoreErrorKind;
  readonly details: StoreErrorDetails;

  constructor(kind: StoreErrorKind, message: string, details: StoreErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreError';
    this.kind = kind;
    this.details = details;
  }
}

/** The database was written by a newer build; opening it here could corrupt what that build added. */
export class FutureSchemaError extends StoreError {
  constructor(readonly file: string, readonly found: number, readonly supported: number) {
    super(
      'version',
      `openProject: ${file} has schema version ${found}, but this build of Leffa Studio supports up to ` +
        `version ${supported}; expected a project made by this or an older version (open it with a newer Leffa Studio)`,
      { fn: 'openProject', argument: 'file', value: file, expected: `schema version ≤ ${supported}` },
    );
    this.name = 'FutureSchemaError';
  }
}

/** A short, printable rendering of a received value for error messages (never the whole of a big input). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (typeof value === 'string') return JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `fn: argument is <value>; expected <expected>` as a StoreError. */
export function argumentError(
  fn: string,
  argument: string,
  value: unknown,
  expected: string,
  kind: StoreErrorKind = 'validation',
  options?: ErrorOptions,
): StoreError {
  return new StoreError(kind, `${fn}: ${argument} is ${describeValue(value)}; expected ${expected}`, { fn, argument, value, expected }, options);
}

/** An id that points at nothing: `fn: garmentId is 42; expected the id of an existing garment`. */
export function notFound(fn: string, argument: string, value: unknown, what: string): StoreError {
  return argumentError(fn, argument, value, `the id of an existing ${what}`, 'not_found');
}
