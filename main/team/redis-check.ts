// "Test connection" in the app's queue settings: one short-lived connection to the Redis a project
// would use, without saving anything or touching the queue. Gives up after a few seconds instead of
// retrying forever (as BullMQ's connections do), and never echoes the password.
import { Redis } from 'ioredis';
import { redactSecrets } from './redact.ts';
import { redisConnectionOptions } from './redis-options.ts';

export interface RedisCheck {
  ok: boolean;
  message: string;
  redisVersion?: string;
}

export async function testRedisConnection(url: string, password: string | undefined, timeoutMs = 4000): Promise<RedisCheck> {
  let options;
  try {
    options = redisConnectionOptions(url, { password }, 'leffa-studio-check');
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  const client = new Redis({ ...options, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // ioredis reports an AUTH failure as an 'error' event and then "Connection is closed" to the caller.
  let lastError: Error | null = null;
  client.on('error', (err: Error) => (lastError ??= err));
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1]?.trim();
    const [major = 0, minor = 0] = (version ?? '0.0').split('.').map(Number);
    if (major < 6 || (major === 6 && minor < 2)) {
      return { ok: false, message: `Redis ${version ?? '(unknown version)'} answered, but the team queue needs 6.2 or newer`, ...(version && { redisVersion: version }) };
    }
    return { ok: true, message: `connected: Redis ${version} at ${options.host}:${options.port}`, ...(version && { redisVersion: version }) };
  } catch (err) {
    const first = lastError as Error | null;
    const text = redactSecrets(first && /closed/i.test((err as Error).message) ? first.message : (err as Error).message);
    const hint = /NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(text)
      ? ' (check the password file or LEFFA_REDIS_PASSWORD)'
      : '';
    return { ok: false, message: `could not connect to Redis at ${options.host}:${options.port}: ${text}${hint}` };
  } finally {
    client.disconnect();
  }
}
