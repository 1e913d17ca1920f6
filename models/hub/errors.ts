// One error type for everything the model manager can refuse or fail at, with a machine-readable `code`, so
// the CLI, the first-run screen and the job queue can branch on the reason (offer "free space", "set a
// token", "go online") instead of parsing message text. Messages name the model, the repo, the file and
// what to do next.

export type HubErrorCode =
  | 'unknown-model' // the id is not in the catalogue
  | 'repo-not-found' // the Hub has no such repo (or it is private and no token was given)
  | 'revision-not-found' // branch, tag or commit unknown to the Hub
  | 'file-not-found' // the repo exists, the file does not (HTTP 404 EntryNotFound)
  | 'unauthorized' // the Hub refused the token (HTTP 401)
  | 'forbidden' // gated repo or no access (HTTP 403)
  | 'bad-token' // the token is malformed (not "hf_…")
  | 'disk-full' // not enough free space before starting, or ENOSPC while writing
  | 'offline-not-cached' // HF_HUB_OFFLINE is set and the file is not in the cache
  | 'not-cached' // downloading was not allowed and the file is not in the cache
  | 'hash-mismatch' // the downloaded bytes do not hash to the SHA-256 the Hub reported
  | 'interrupted' // the connection broke mid-download; the partial file is kept for resuming
  | 'aborted' // the caller's AbortSignal fired; the partial file is kept for resuming
  | 'network' // the Hub (or HF_ENDPOINT) could not be reached
  | 'server'; // any other unexpected answer from the Hub

export class HubError extends Error {
  override readonly name = 'HubError';
  readonly code: HubErrorCode;

  constructor(code: HubErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isHubError(e: unknown, code?: HubErrorCode): e is HubError {
  return e instanceof HubError && (code === undefined || e.code === code);
}
