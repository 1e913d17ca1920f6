// The only URLs the app will hand to the OS browser: https, no credentials, default port, and a
// host on this list. Everything else a page tries to open is silently denied.

export const ALLOWED_EXTERNAL_HOSTS: ReadonlySet<string> = new Set([
  'github.com',
  'huggingface.co',
  'arxiv.org',
]);

export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'https:' &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === '' &&
    ALLOWED_EXTERNAL_HOSTS.has(parsed.hostname)
  );
}
