// From a Redis URL (the project's team setting, or the worker's --queue) to connection options, with
// the security policy applied in one place:
// - loopback Redis may run without a password (only this machine reaches it);
// - any other host needs a password (requirepass) or an ACL user with one, else we refuse to connect:
//   an open Redis on a LAN lets anyone inject cells or read the queue;
// - rediss:// means TLS (Redis 6+ `tls-port`), with an optional private CA and client certificate.
// The password may come from the URL (worker CLI), or separately (the project setting never stores it).
import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'bullmq';

export interface RedisSecrets {
  /** Overrides a password in the URL (e.g. from LEFFA_REDIS_PASSWORD or a password file). */
  password?: string;
  /** TLS files (PEM), for rediss:// URLs. */
  tls?: { ca?: string; cert?: string; key?: string };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class RedisUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUrlError';
  }
}

/** Parses and checks a redis:// or rediss:// URL; the error names what is wrong without echoing a password. */
export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisUrlError('Redis URL is not a URL; expected redis://[user[:password]@]host[:port][/db] or rediss://… for TLS');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new RedisUrlError(`Redis URL scheme is ${u.protocol}; expected redis: or rediss: (TLS)`);
  if (!u.hostname) throw new RedisUrlError('Redis URL has no host');
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new RedisUrlError(`Redis URL path is /${db}; expected a database number such as /0`);
  return u;
}

export function redisConnectionOptions(url: string, secrets: RedisSecrets = {}, connectionName?: string): RedisOptions {
  const u = parseRedisUrl(url);
  const password = secrets.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!isLoopbackHost(u.hostname) && !password) {
    throw new RedisUrlError(
      `Redis at ${u.hostname} is not on this machine and no password is set: protect it with requirepass or an ACL user ` +
      '(main/team/README.md, Security) and pass the password (LEFFA_REDIS_PASSWORD, or in the URL for the worker)',
    );
  }
  const options: RedisOptions = {
    host,
    port: u.port ? Number(u.port) : 6379,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    // BullMQ requires null: a command waits for a reconnect instead of failing the job it belongs to.
    maxRetriesPerRequest: null,
    // Reconnect quickly at first, then every 2 s: a Redis restart costs seconds, not a stuck worker.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
  if (u.username) options.username = decodeURIComponent(u.username);
  if (password) options.password = password;
  if (connectionName) options.connectionName = connectionName;
  if (u.protocol === 'rediss:') {
    const read = (f?: string) => (f ? readFileSync(f) : undefined);
    options.tls = { servername: host, ca: read(secrets.tls?.ca), cert: read(secrets.tls?.cert), key: read(secrets.tls?.key) };
  } else if (secrets.tls?.ca || secrets.tls?.cert) {
    throw new RedisUrlError('TLS files were given but the Redis URL is redis://; use rediss:// for TLS');
  }
  return options;
}
