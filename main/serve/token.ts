// Serve mode's per-launch secret. Every HTTP request and WebSocket upgrade must present it, via the
// ?token= query (first visit), a header, or the cookie that first visit sets.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison, so response timing does not leak how much of a guess was right. */
export function tokensEqual(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Cookies are shared across ports on one host, so the name carries the port. */
export function cookieName(port: number): string {
  return `leffa_token_${port}`;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

export type TokenSource = 'query' | 'header' | 'cookie';

/** Finds a presented token, preferring the explicit ones (query, header) over the cookie. */
export function presentedToken(req: IncomingMessage, url: URL, port: number): { token: string; source: TokenSource } | null {
  const query = url.searchParams.get('token');
  if (query) return { token: query, source: 'query' };
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { token: auth.slice('Bearer '.length).trim(), source: 'header' };
  const header = req.headers['x-leffa-token'];
  if (typeof header === 'string' && header) return { token: header, source: 'header' };
  const cookie = parseCookies(req.headers.cookie).get(cookieName(port));
  if (cookie) return { token: cookie, source: 'cookie' };
  return null;
}

export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}
