// Shared setup for the API tests: a host (the same createHost both Electron and serve mode use) on a
// temp data folder, with images made from the shared assets, and a caller that unwraps Results.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { createHost, type Host } from '../../main/api/create-api.ts';
import type { EngineLike } from '../../main/services/queue-service.ts';
import type { Channel, EventName, EventSpec, RequestOf, ResponseOf, Result, WireError } from '../../preload/contract.ts';
import { assetsDir } from '../helpers/fixtures.ts';

/** An engine that never runs a cell (validation tests); info/memory answer like a CPU worker. */
export const idleEngine: EngineLike = {
  request: (async (method: string) => {
    if (method === 'info') return { backend: 'cpu', requested: 'cpu', package: '@tensorflow/tfjs-backend-cpu', fallbackReasons: [] };
    if (method === 'memory') return { backend: 'cpu', numTensors: 0, numBytes: 0, rssBytes: 1, heapUsedBytes: 1 };
    throw new Error(`idle engine: ${method} is not available in this test`);
  }) as EngineLike['request'],
};

export interface TestHost {
  host: Host;
  dir: string;
  events: Array<{ event: EventName; payload: unknown }>;
  /** Calls a channel; asserts success and returns the value. */
  ok<C extends Channel>(channel: C, request?: RequestOf<C>): Promise<ResponseOf<C>>;
  /** Calls with any payload; asserts failure and returns the wire error. */
  fails(channel: string, payload: unknown, kind?: WireError['kind'], message?: RegExp): Promise<WireError>;
  /** Grants a file as the open dialog would; returns the FileRef id. */
  grant(path: string): Promise<string>;
  eventsOf<E extends EventName>(event: E): EventSpec[E][];
  close(): Promise<void>;
}

export async function makeHost(opts: { engine?: EngineLike; mode?: 'serve' | 'electron'; previewEveryMs?: number } = {}): Promise<TestHost> {
  const dir = mkdtempSync(join(tmpdir(), 'leffa-api-'));
  const host = createHost({
    name: 'Leffa Studio', version: '0.0.0-test', mode: opts.mode ?? 'serve', engine: opts.engine ?? idleEngine, dataDir: join(dir, 'data'),
    blobUrl: (hash) => `/blob/${hash}`, progressIntervalMs: 0, previewEveryMs: opts.previewEveryMs ?? 0, log: () => {},
    allowDroppedPaths: opts.mode === 'electron',
  });
  const events: TestHost['events'] = [];
  host.events.subscribe((event, payload) => events.push({ event, payload }));
  const t: TestHost = {
    host,
    dir,
    events,
    async ok(channel, request) {
      const result = (await host.dispatch(channel, request ?? {})) as Result<ResponseOf<typeof channel>>;
      assert.ok(result.ok, `${channel} failed: ${!result.ok && JSON.stringify(result.error)}`);
      return result.value as never;
    },
    async fails(channel, payload, kind, message) {
      const result = await host.dispatch(channel, payload);
      assert.ok(!result.ok, `${channel} ${JSON.stringify(payload)?.slice(0, 200)} should fail`);
      assert.deepEqual(Object.keys(result.error).sort(), ['kind', 'message', 'name']);
      if (kind) assert.equal(result.error.kind, kind, `${channel}: ${result.error.message}`);
      if (message) assert.match(result.error.message, message);
      return result.error;
    },
    grant: async (path) => (await host.files.grantPath(path)).id,
    eventsOf: <E extends EventName>(event: E) => events.filter((e) => e.event === event).map((e) => e.payload as EventSpec[E]),
    async close() {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** Renders a garment SVG from the shared assets to PNG. */
export async function garmentPng(dir: string, name: string): Promise<string> {
  const out = join(dir, `${name}.png`);
  await sharp(join(assetsDir, 'garments', `${name}.svg`)).resize(192, 256, { fit: 'contain', background: '#ffffff' }).flatten({ background: '#ffffff' }).png().toFile(out);
  return out;
}

/** A solid PNG of the given size (masks: white = generate; DensePose: a flat colour). */
export async function solidPng(width: number, height: number, value: number, channels: 1 | 3 = 1): Promise<Buffer> {
  return sharp(Buffer.alloc(width * height * channels, value), { raw: { width, height, channels } }).png().toBuffer();
}

/** A PNG whose header claims 100 000 × 100 000 pixels in ~100 bytes: a decompression bomb. */
export function bombPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100_000, 0);
  ihdr.writeUInt32BE(100_000, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

/** Files under a project's blobs/ folder (to prove a refused call wrote nothing). */
export function blobFiles(projectDir: string): string[] {
  const root = join(projectDir, 'blobs');
  const out: string[] = [];
  for (const sub of readdirSync(root, { withFileTypes: true })) {
    if (sub.isDirectory() && /^[0-9a-f]{2}$/.test(sub.name)) for (const f of readdirSync(join(root, sub.name))) out.push(`${sub.name}/${f}`);
  }
  return out.sort();
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
