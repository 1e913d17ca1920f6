// A failed API call, rethrown in the renderer with the kind the host gave it.
import type { ErrorKind, WireError } from '../../../preload/contract.ts';

export class ApiCallError extends Error {
  readonly kind: ErrorKind;

  constructor(error: WireError) {
    super(error.message);
    this.name = error.name;
    this.kind = error.kind;
  }
}
