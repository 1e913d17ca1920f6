// Which queue a project uses, kept in the project folder (team/settings.json) so it travels with the
// project: 'local' (the default: this computer runs the cells) or 'team' (cells go to a Redis/BullMQ
// queue served by GPU workers). The Redis password is never stored here (a project folder gets copied
// and shared): it comes from LEFFA_REDIS_PASSWORD or a password file named in the settings.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../atomic-write.ts';
import { parseRedisUrl } from './redis-options.ts';

export const DEFAULT_QUEUE_NAME = 'leffa-cells';
export const TEAM_DIR = 'team';
export const SETTINGS_FILE = 'settings.json';

const RedisUrl = z.string().max(2000).superRefine((url, ctx) => {
  try {
    const u = parseRedisUrl(url);
    if (u.password) ctx.addIssue({ code: 'custom', message: 'a Redis URL without the password (set LEFFA_REDIS_PASSWORD or passwordFile instead: the project folder is shared)' });
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

export const QueueSettings = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local') }).strict(),
  z
    .object({
      kind: z.literal('team'),
      redisUrl: RedisUrl,
      /** One queue per project: two projects on one Redis need two names. */
      queueName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, . _ - (at most 100)').prefault(DEFAULT_QUEUE_NAME),
      /** A file holding the Redis password (mode 0600), instead of LEFFA_REDIS_PASSWORD. */
      passwordFile: z.string().min(1).optional(),
      tls: z.object({ ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional() }).strict().optional(),
      /** Claims a cell may get before it fails (its first run plus takeovers after workers died). */
      maxAttempts: z.number().int().min(1).max(20).prefault(3),
      /**
       * The app serves the coordinator (/team/v2/…) on its own port too (the desktop app has no serve
       * host; serve mode also answers on its own port). 0: any free port. Absent: serve mode's port only.
       */
      coordinatorPort: z.number().int().min(0).max(65535).optional(),
      /** The address that port binds to. Default 127.0.0.1 (put a TLS terminator in front for other machines). */
      coordinatorHost: z.string().min(1).max(255).optional(),
    })
    .strict(),
]);
export type QueueSettings = z.output<typeof QueueSettings>;
export type QueueSettingsInput = z.input<typeof QueueSettings>;

export const settingsPath = (projectDir: string) => join(projectDir, TEAM_DIR, SETTINGS_FILE);

function check(value: unknown, where: string): QueueSettings {
  const r = QueueSettings.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new RangeError(`${where}: ${issue.path.join('.') || 'settings'}: expected ${issue.message}`);
  }
  return r.data;
}

/** The project's queue settings; a project without the file uses the local queue. */
export function readQueueSettings(projectDir: string): QueueSettings {
  const file = settingsPath(projectDir);
  if (!existsSync(file)) return { kind: 'local' };
  return check(JSON.parse(readFileSync(file, 'utf8')), file);
}

export function writeQueueSettings(projectDir: string, settings: QueueSettingsInput): QueueSettings {
  const valid = check(settings, 'writeQueueSettings');
  writeFileAtomicSync(settingsPath(projectDir), `${JSON.stringify(valid, null, 2)}\n`);
  return valid;
}

/** The Redis password for team settings: the password file if named, else LEFFA_REDIS_PASSWORD. */
export function redisPassword(settings: Extract<QueueSettings, { kind: 'team' }>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (settings.passwordFile) return readFileSync(settings.passwordFile, 'utf8').trim();
  return env.LEFFA_REDIS_PASSWORD || undefined;
}
