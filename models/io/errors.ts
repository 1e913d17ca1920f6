// One error type for every checkpoint reader and writer, so callers (the model loader, the UI) can tell a
// bad or unsupported file apart from a programming error, and show which file and which tensor failed.

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  /** The file (or folder) being read or written. */
  readonly file: string;
  /** The tensor, archive entry or header key involved, when there is one. */
  readonly key: string | undefined;

  constructor(file: string, message: string, key?: string) {
    super(message);
    this.file = file;
    this.key = key;
  }
}

/** Short printable form of a value for error messages (never the whole of a large value). */
export function describeValue(v: unknown, max = 80): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (typeof v === 'bigint') s = `${v}n`;
  else if (v === undefined) s = 'undefined';
  else if (v instanceof Map) s = `dict(${v.size} items)`;
  else if (ArrayBuffer.isView(v)) s = `${v.constructor.name}(${v.byteLength} bytes)`;
  else {
    try { s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v); } catch { s = String(v); }
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
