// Per-worker tokens. Each GPU machine gets its own token, so one can be revoked without touching the
// others, and every request is attributed to a named worker. Only SHA-256 digests are stored (in
// <project>/team/workers.json, mode 0600): a copy of the file lets nobody in. The token itself is shown
// once, when issued, and never logged; revoking takes effect on the worker's next request.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomicSync } from '../atomic-write.ts';

/** Worker names appear in the job rows' claimed_by (team:<name>:<claim>), so no ':' and no spaces. */
export const WorkerName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a worker name: letters, digits, . _ - (at most 64)');

const Entry = z.object({
  name: WorkerName,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.number(),
  revokedAt: z.number().nullable(),
});
type Entry = z.output<typeof Entry>;
const File = z.object({ version: z.literal(1), workers: z.array(Entry) });

export interface WorkerTokenInfo {
  name: string;
  createdAt: number;
  revokedAt: number | null;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class WorkerTokens {
  readonly #file: string | null;
  #entries: Entry[];

  private constructor(file: string | null, entries: Entry[]) {
    this.#file = file;
    this.#entries = entries;
  }

  /** Reads the registry at `file` (missing: empty). `null`: in memory only (tests, benchmarks). */
  static open(file: string | null): WorkerTokens {
    if (file === null || !existsSync(file)) return new WorkerTokens(file, []);
    const parsed = File.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`worker token registry ${file} is damaged: ${parsed.error.issues[0]?.message}; fix or delete it (all workers then need new tokens)`);
    return new WorkerTokens(file, parsed.data.workers);
  }

  /**
   * A new token for `name`; an earlier token of the same name stops working. Returns the token: show it
   * once to whoever sets up the machine, it cannot be recovered later.
   */
  issue(name: string): { name: string; token: string } {
    const valid = WorkerName.safeParse(name);
    if (!valid.success) throw new RangeError(`issue: name = ${JSON.stringify(name)}; expected ${valid.error.issues[0]?.message}`);
    const token = `lsw_${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    for (const e of this.#entries) if (e.name === name && e.revokedAt === null) e.revokedAt = now;
    this.#entries.push({ name, sha256: digest(token).toString('hex'), createdAt: now, revokedAt: null });
    this.#save();
    return { name, token };
  }

  /** Revokes every token of `name`; false if it had none in force. */
  revoke(name: string): boolean {
    let changed = false;
    for (const e of this.#entries) {
      if (e.name === name && e.revokedAt === null) {
        e.revokedAt = Date.now();
        changed = true;
      }
    }
    if (changed) this.#save();
    return changed;
  }

  /** The worker a presented token belongs to, or null (unknown, revoked, malformed). */
  verify(token: string | undefined | null): string | null {
    if (!token || !token.startsWith('lsw_') || token.length > 200) return null;
    const presented = digest(token);
    for (const e of this.#entries) {
      // Constant time per comparison, over every entry: the answer's timing says nothing about near misses.
      if (timingSafeEqual(presented, Buffer.from(e.sha256, 'hex')) && e.revokedAt === null) return e.name;
    }
    return null;
  }

  list(): WorkerTokenInfo[] {
    return this.#entries.map(({ name, createdAt, revokedAt }) => ({ name, createdAt, revokedAt }));
  }

  #save(): void {
    if (this.#file) writeFileAtomicSync(this.#file, `${JSON.stringify({ version: 1, workers: this.#entries }, null, 2)}\n`);
  }
}
