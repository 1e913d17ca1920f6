// Small builders shared by the image tests: temp folders and hand-made PNG byte streams.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../../models/io/crc32.ts';

/** Creates a temp folder; returns it with a cleanup function. */
export function tempDir(prefix = 'leffa-image-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number, bitDepth: number, colourType: number): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = bitDepth;
  d[9] = colourType;
  return chunk('IHDR', d); // compression, filter, interlace = 0
}

/**
 * A PNG whose header claims width×height but whose pixel data is a few junk bytes: decoding it would
 * need width·height·3 bytes, reading the header needs none. Used to prove refusal happens pre-decode.
 */
export function headerOnlyPng(width: number, height: number): Buffer {
  return Buffer.concat([SIG, ihdr(width, height, 8, 2), chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', new Uint8Array(0))]);
}

/** A valid 16-bit RGB PNG from big-endian-agnostic sample values (row-major, 3 per pixel). */
export function rgb16Png(width: number, height: number, samples: Uint16Array): Buffer {
  const raw = Buffer.alloc(height * (1 + width * 6));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 6); // filter byte 0 then samples
    for (let i = 0; i < width * 3; i++) raw.writeUInt16BE(samples[y * width * 3 + i], row + 1 + i * 2);
  }
  return Buffer.concat([SIG, ihdr(width, height, 16, 2), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}
