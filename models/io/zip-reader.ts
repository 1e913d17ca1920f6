// Minimal lazy zip reader for PyTorch checkpoints. torch.save writes an uncompressed ("stored") zip, so
// each tensor storage is a contiguous byte range of the file that can be read with positioned reads;
// only the central directory is held in memory. ZIP64 is required: released checkpoints are 7.2 GB and
// 20.9 GB, so offsets exceed 4 GiB. (Format: PKWARE APPNOTE.TXT, sections 4.3.7, 4.3.12, 4.3.14-16, 4.5.3.)
import { RandomAccessFile } from './file-reader.ts';
import { CheckpointError } from './errors.ts';
import { crc32 } from './crc32.ts';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** A central directory this large would mean millions of entries; refuse rather than allocate. */
const MAX_CENTRAL_DIRECTORY = 512 * 1024 * 1024;

export interface ZipEntry {
  name: string;
  /** 0 = stored; 8 = deflate (unsupported here). */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const METHOD_NAMES: Record<number, string> = { 8: 'deflate', 9: 'deflate64', 12: 'bzip2', 14: 'lzma', 93: 'zstd', 95: 'xz' };

export class ZipArchive {
  readonly entries: ZipEntry[];
  private readonly byName = new Map<string, ZipEntry>();
  private readonly dataStarts = new Map<ZipEntry, number>();
  /** File offset where the central directory starts: entry data must end before it. */
  private readonly centralDirectoryOffset: number;

  readonly file: RandomAccessFile;
  private readonly label: string;

  constructor(file: RandomAccessFile, label: string) {
    this.file = file;
    this.label = label;
    const { cdOffset, cdSize, count } = this.findCentralDirectory();
    this.centralDirectoryOffset = cdOffset;
    this.entries = this.parseCentralDirectory(cdOffset, cdSize, count);
    for (const e of this.entries) if (!this.byName.has(e.name)) this.byName.set(e.name, e);
  }

  get(name: string): ZipEntry | undefined { return this.byName.get(name); }

  private fail(msg: string, key?: string): never {
    throw new CheckpointError(this.file.path, `${this.label} ${this.file.path}: ${msg}`, key);
  }

  private view(b: Uint8Array): DataView { return new DataView(b.buffer, b.byteOffset, b.byteLength); }

  private u64(dv: DataView, at: number, what: string): number {
    const v = dv.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} is ${v}, larger than any file this reader can address (corrupt zip)`);
    return Number(v);
  }

  /** Locates the End Of Central Directory record (and its ZIP64 form when present). */
  private findCentralDirectory(): { cdOffset: number; cdSize: number; count: number } {
    const size = this.file.size;
    if (size < EOCD_SIZE) {
      this.fail(`file is ${size} bytes, too small for a zip archive (at least ${EOCD_SIZE}); truncated or not a PyTorch zip checkpoint`);
    }
    const tailLen = Math.min(size, EOCD_SIZE + MAX_COMMENT);
    const tailStart = size - tailLen;
    const tail = this.file.readAt(tailStart, tailLen, 'end of file');
    const dv = this.view(tail);
    // Scan backwards; the record is only accepted if its comment length reaches exactly the end of file,
    // which rules out a stray signature inside data and detects a file cut short.
    let at = -1;
    for (let i = tailLen - EOCD_SIZE; i >= 0; i--) {
      if (dv.getUint32(i, true) === SIG_EOCD && i + EOCD_SIZE + dv.getUint16(i + 20, true) === tailLen) { at = i; break; }
    }
    if (at < 0) {
      this.fail(`no zip End Of Central Directory record in the last ${tailLen} bytes; the file is truncated or is not a zip archive (expected a checkpoint written by torch.save)`);
    }
    const disk = dv.getUint16(at + 4, true);
    const cdDisk = dv.getUint16(at + 6, true);
    let count = dv.getUint16(at + 10, true);
    let cdSize = dv.getUint32(at + 12, true);
    let cdOffset = dv.getUint32(at + 16, true);
    const eocdPos = tailStart + at;
    let cdLimit = eocdPos;

    // ZIP64: a locator right before the EOCD points at the ZIP64 EOCD record with 64-bit values.
    const locPos = eocdPos - 20;
    let zip64 = false;
    if (locPos >= 0) {
      const loc = this.view(this.file.readAt(locPos, 20, 'ZIP64 end of central directory locator'));
      if (loc.getUint32(0, true) === SIG_ZIP64_LOCATOR) {
        zip64 = true;
        const recPos = this.u64(loc, 8, 'ZIP64 end of central directory offset');
        if (recPos + 56 > locPos) this.fail(`ZIP64 end of central directory record offset ${recPos} is past the locator at ${locPos} (corrupt zip)`);
        const rec = this.view(this.file.readAt(recPos, 56, 'ZIP64 end of central directory record'));
        if (rec.getUint32(0, true) !== SIG_ZIP64_EOCD) {
          this.fail(`no ZIP64 end of central directory record at offset ${recPos} (signature 0x${rec.getUint32(0, true).toString(16)}, expected 0x${SIG_ZIP64_EOCD.toString(16)}); corrupt zip`);
        }
        if (rec.getUint32(16, true) !== 0 || rec.getUint32(20, true) !== 0) this.fail('multi-disk (split) zip archives are not supported');
        count = this.u64(rec, 32, 'ZIP64 entry count');
        cdSize = this.u64(rec, 40, 'ZIP64 central directory size');
        cdOffset = this.u64(rec, 48, 'ZIP64 central directory offset');
        cdLimit = recPos;
      }
    }
    if (!zip64) {
      if (disk !== 0 || cdDisk !== 0) this.fail('multi-disk (split) zip archives are not supported');
      if (cdOffset === 0xffffffff || cdSize === 0xffffffff || count === 0xffff) {
        this.fail('the End Of Central Directory record says ZIP64 but the ZIP64 locator is missing (corrupt or truncated zip)');
      }
    }
    if (cdSize > MAX_CENTRAL_DIRECTORY) this.fail(`central directory is ${cdSize} bytes, expected at most ${MAX_CENTRAL_DIRECTORY}`);
    if (cdOffset + cdSize > cdLimit) {
      this.fail(`central directory at ${cdOffset}..${cdOffset + cdSize} overlaps the end records at ${cdLimit} (corrupt or truncated zip)`);
    }
    return { cdOffset, cdSize, count };
  }

  private parseCentralDirectory(cdOffset: number, cdSize: number, count: number): ZipEntry[] {
    const cd = this.file.readAt(cdOffset, cdSize, 'zip central directory');
    const dv = this.view(cd);
    const names = new TextDecoder('utf-8');
    const out: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || dv.getUint32(p, true) !== SIG_CENTRAL) {
        this.fail(`central directory entry ${i} of ${count} at offset ${cdOffset + p} is missing or has a bad signature (corrupt zip)`);
      }
      const flags = dv.getUint16(p + 8, true);
      const method = dv.getUint16(p + 10, true);
      const crc = dv.getUint32(p + 16, true);
      let compressedSize = dv.getUint32(p + 20, true);
      let uncompressedSize = dv.getUint32(p + 24, true);
      const nameLen = dv.getUint16(p + 28, true);
      const extraLen = dv.getUint16(p + 30, true);
      const commentLen = dv.getUint16(p + 32, true);
      let localHeaderOffset = dv.getUint32(p + 42, true);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cd.length) this.fail(`central directory entry ${i} runs past the end of the central directory (corrupt zip)`);
      const name = names.decode(cd.subarray(p + 46, p + 46 + nameLen));

      // ZIP64 extended information (header id 0x0001): 64-bit values for exactly those fields whose
      // 32-bit slot holds 0xFFFFFFFF, in the order uncompressed size, compressed size, local offset.
      let x = p + 46 + nameLen;
      const xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        const id = dv.getUint16(x, true);
        const len = dv.getUint16(x + 2, true);
        if (x + 4 + len > xEnd) this.fail(`entry ${JSON.stringify(name)}: extra field runs past its end (corrupt zip)`, name);
        if (id === 0x0001) {
          let q = x + 4;
          const take = (what: string): number => {
            if (q + 8 > x + 4 + len) this.fail(`entry ${JSON.stringify(name)}: ZIP64 extra field lacks the ${what} (corrupt zip)`, name);
            const v = this.u64(dv, q, `entry ${name} ${what}`);
            q += 8;
            return v;
          };
          if (uncompressedSize === 0xffffffff) uncompressedSize = take('uncompressed size');
          if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('local header offset');
        }
        x += 4 + len;
      }
      if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
        this.fail(`entry ${JSON.stringify(name)}: sizes/offset marked ZIP64 but no ZIP64 extra field (corrupt zip)`, name);
      }
      out.push({ name, method, flags, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset });
      p = end;
    }
    return out;
  }

  /** File offset of an entry's first data byte, from its local header (name and extra lengths differ from the central copy). */
  dataStart(entry: ZipEntry): number {
    const cached = this.dataStarts.get(entry);
    if (cached !== undefined) return cached;
    const what = `entry ${JSON.stringify(entry.name)}`;
    if (entry.flags & 1) this.fail(`${what} is encrypted; encrypted zip entries are not supported`, entry.name);
    if (entry.method !== 0) {
      const m = METHOD_NAMES[entry.method] ?? 'unknown';
      this.fail(`${what} is compressed (method ${entry.method}, ${m}); only uncompressed "stored" entries (method 0, as torch.save writes) are supported. Re-save the checkpoint with torch.save, or convert it to safetensors`, entry.name);
    }
    if (entry.compressedSize !== entry.uncompressedSize) {
      this.fail(`${what} is stored but its sizes differ (${entry.compressedSize} vs ${entry.uncompressedSize}); corrupt zip`, entry.name);
    }
    if (entry.localHeaderOffset + 30 > this.centralDirectoryOffset) {
      this.fail(`${what}: local header offset ${entry.localHeaderOffset} is past the central directory at ${this.centralDirectoryOffset} (corrupt zip)`, entry.name);
    }
    const h = this.file.readAt(entry.localHeaderOffset, 30, `${what} local header`, entry.name);
    const dv = this.view(h);
    if (dv.getUint32(0, true) !== SIG_LOCAL) {
      this.fail(`${what}: no local file header at offset ${entry.localHeaderOffset} (signature 0x${dv.getUint32(0, true).toString(16)}, expected 0x${SIG_LOCAL.toString(16)}); corrupt zip`, entry.name);
    }
    const nameLen = dv.getUint16(26, true);
    const extraLen = dv.getUint16(28, true);
    const start = entry.localHeaderOffset + 30 + nameLen + extraLen;
    const localName = new TextDecoder('utf-8').decode(this.file.readAt(entry.localHeaderOffset + 30, nameLen, `${what} local name`, entry.name));
    if (localName !== entry.name) this.fail(`${what}: local header names ${JSON.stringify(localName)}, the central directory ${JSON.stringify(entry.name)} (corrupt zip)`, entry.name);
    if (start + entry.compressedSize > this.centralDirectoryOffset) {
      this.fail(`${what}: data ${start}..${start + entry.compressedSize} runs into the central directory at ${this.centralDirectoryOffset} (corrupt zip)`, entry.name);
    }
    this.dataStarts.set(entry, start);
    return start;
  }

  /** Reads `length` bytes at `offset` inside an entry's data. */
  read(entry: ZipEntry, offset: number, length: number, what: string, key?: string): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > entry.uncompressedSize) {
      this.fail(`${what}: bytes ${offset}..${offset + length} are outside entry ${JSON.stringify(entry.name)} of ${entry.uncompressedSize} bytes`, key ?? entry.name);
    }
    return this.file.readAt(this.dataStart(entry) + offset, length, what, key ?? entry.name);
  }

  /** Reads a whole (small) entry and checks its CRC-32, e.g. the pickle. */
  readAll(entry: ZipEntry, maxBytes: number): Uint8Array {
    if (entry.uncompressedSize > maxBytes) {
      this.fail(`entry ${JSON.stringify(entry.name)} is ${entry.uncompressedSize} bytes, expected at most ${maxBytes}`, entry.name);
    }
    const b = this.read(entry, 0, entry.uncompressedSize, `entry ${JSON.stringify(entry.name)}`);
    const c = crc32(b);
    if (c !== entry.crc32) {
      this.fail(`entry ${JSON.stringify(entry.name)}: CRC-32 is 0x${c.toString(16)}, the zip says 0x${entry.crc32.toString(16)} (corrupt file)`, entry.name);
    }
    return b;
  }
}
