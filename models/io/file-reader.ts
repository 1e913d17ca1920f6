// Positioned reads from an open file descriptor. Checkpoints are far larger than memory budgets (7.2 GB,
// 20.9 GB), so readers keep only a descriptor and fetch exactly the bytes of one header or one tensor.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { CheckpointError } from './errors.ts';

export class RandomAccessFile {
  readonly path: string;
  readonly size: number;
  private fd: number | null;
  /** `label` prefixes every message ("safetensors", "pth", …) so the user sees which reader failed. */
  private readonly label: string;

  constructor(path: string, label: string) {
    this.path = path;
    this.label = label;
    try {
      if (statSync(path).isDirectory()) throw new CheckpointError(path, `${label} ${path}: is a directory, expected a file`);
      this.fd = openSync(path, 'r');
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(path, `${label} ${path}: cannot open (${(e as Error).message})`);
    }
    try {
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      closeSync(this.fd);
      throw new CheckpointError(path, `${label} ${path}: cannot stat (${(e as Error).message})`);
    }
  }

  get isOpen(): boolean { return this.fd !== null; }

  /**
   * Reads exactly `length` bytes at `position` into a fresh, zero-offset buffer (so typed views on it are
   * aligned). `what` names the thing being read for the error message, e.g. `tensor "unet.conv_in.weight"`.
   */
  readAt(position: number, length: number, what: string, key?: string): Uint8Array {
    if (this.fd === null) throw new CheckpointError(this.path, `${this.label} ${this.path}: reading ${what} after close()`, key);
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
      throw new CheckpointError(this.path, `${this.label} ${this.path}: invalid read of ${what} (position ${position}, length ${length})`, key);
    }
    if (position + length > this.size) {
      throw new CheckpointError(this.path,
        `${this.label} ${this.path}: ${what} spans bytes ${position}..${position + length}, beyond the file size ${this.size} (truncated file?)`, key);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      // readSync takes at most 2 GiB per call; loop in chunks.
      const n = readSync(this.fd, out, done, Math.min(length - done, 0x4000_0000), position + done);
      if (n === 0) {
        throw new CheckpointError(this.path, `${this.label} ${this.path}: unexpected end of file reading ${what} at byte ${position + done}`, key);
      }
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) { const fd = this.fd; this.fd = null; closeSync(fd); }
  }
}
