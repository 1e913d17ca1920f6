// Test helpers for the store: a fresh project in a temp folder, small real images made with sharp, and
// a "decompression bomb" PNG whose header claims a huge size (a few hundred bytes on disk).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { crc32 } from '../../../models/io/crc32.ts';
import { openProject, type OpenProjectOptions, type Project } from '../../../main/store/index.ts';

export interface TempProject {
  dir: string;
  project: Project;
  /** Closes the project and deletes the folder. */
  cleanup(): Promise<void>;
}

export async function tempDir(prefix = 'leffa-store-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function tempProject(options: Partial<OpenProjectOptions> = {}): Promise<TempProject> {
  const dir = await tempDir();
  const project = await openProject({ dir, create: true, ...options });
  return {
    dir,
    project,
    async cleanup() {
      project.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A PNG of deterministic pseudo-random pixels; different seeds give different files. */
export async function pngBytes(width: number, height: number, seed = 1, channels: 1 | 3 = 3): Promise<Buffer> {
  const data = Buffer.alloc(width * height * channels);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/** A valid-looking PNG whose header says width × height (grey, 8 bit) with a single tiny IDAT. */
export function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Row count of a table (tests check that a refused write left every table as it was). */
export function count(project: Project, table: string): number {
  return project.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}
