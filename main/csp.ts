// The Content-Security-Policy for our pages, in one place: sent as a response header by the app://
// protocol handler, the Electron session and serve mode. renderer/index.html carries the same policy
// in a <meta> tag (minus frame-ancestors, which meta tags cannot set); a test keeps the two equal.

const DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'none'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self' data: blob:"],
  ['font-src', "'self'"],
  // 'self' also covers same-origin ws: (CSP Level 3), which serve mode's API socket uses.
  ['connect-src', "'self'"],
  ['worker-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-ancestors', "'none'"],
];

/** Directives a <meta http-equiv> policy ignores (and Chromium warns about). */
const HEADER_ONLY = new Set(['frame-ancestors']);

export function contentSecurityPolicy({ forMeta = false }: { forMeta?: boolean } = {}): string {
  return DIRECTIVES.filter(([name]) => !(forMeta && HEADER_ONLY.has(name)))
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}
