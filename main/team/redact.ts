// Secrets that must never reach a log line or an error message: worker tokens and Redis passwords.
// Everything the team code prints about a URL goes through redactUrl; token-looking text through
// redactSecrets, as a last line of defence for messages built by libraries (ioredis, undici).

/** Worker tokens look like this (see worker-tokens.ts). */
export const TOKEN_PATTERN = /lsw_[A-Za-z0-9_-]{20,}/g;

/** The URL with its password (and any token query) replaced by ***. Not a URL: returned redacted as text. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (/token|password|secret/i.test(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return redactSecrets(url);
  }
}

/** Replaces worker tokens and user:password@ parts of URLs inside any text. */
export function redactSecrets(text: string, extra: readonly string[] = []): string {
  let out = text.replace(TOKEN_PATTERN, 'lsw_***').replace(/(\/\/[^/\s:@]*):[^@\s/]+@/g, '$1:***@');
  for (const secret of extra) if (secret) out = out.split(secret).join('***');
  return out;
}
