// Writes an uncompressed zip the way torch.save lays it out: every entry "stored", each entry's data
// starting at a multiple of `alignment` (64, so torch can mmap storages), padding carried in an extra
// field of the local header. ZIP64 records are added when a size or offset needs them, or when forced
// (to test the 64-bit path without writing 4 GiB). Written atomically.
import { CheckpointError } from './errors.ts';
import { atomicWrite } from './atomic-write.ts';
import { crc32 } from './crc32.ts';

export interface ZipInputEntry {
  name: string;
  /** The entry's bytes, possibly in several pieces (written back to back). */
  data: Uint8Array | Uint8Array[];
}

export interface ZipWriteOptions {
  /** Data alignment in bytes (default 64, like torch.save). */
  alignment?: number;
  /** Write ZIP64 extra fields and end records even when nothing needs them. */
  forceZip64?: boolean;
  /** Name used in error messages (default "zip"). */
  label?: string;
  /**
   * Leave this many unwritten bytes before the first entry (a sparse hole on most file systems).
   * Used by tests to put real entries beyond 4 GiB without writing 4 GiB.
   */
  leadingHoleBytes?: number;
}

const U32_MAX = 0xffffffff;
// Fixed DOS timestamp 1980-01-01 00:00, so identical inputs give identical files.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const FLAG_UTF8 = 0x0800;
const PAD_HEADER_ID = 0x4246; // "FB": an unregistered id, ignored by readers, as torch.save uses

interface Written { name: Buffer; crc: number; size: number; offset: number; zip64Local: boolean }

export function writeStoredZip(path: string, entries: ZipInputEntry[], opts: ZipWriteOptions = {}): void {
  const label = opts.label ?? 'zip';
  const align = opts.alignment ?? 64;
  const force = opts.forceZip64 ?? false;
  if (!Number.isInteger(align) || align < 1 || align > 4096) {
    throw new CheckpointError(path, `${label} ${path}: alignment ${align} is invalid, expected an integer in 1..4096`);
  }
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) throw new CheckpointError(path, `${label} ${path}: entry ${JSON.stringify(e.name)} is given twice`, e.name);
    names.add(e.name);
    if (Buffer.byteLength(e.name) > 0xffff) throw new CheckpointError(path, `${label} ${path}: entry name is longer than 65535 bytes`, e.name);
  }

  atomicWrite(path, label, (sink) => {
    const written: Written[] = [];
    for (const e of entries) {
      const pieces = Array.isArray(e.data) ? e.data : [e.data];
      let size = 0;
      let crc = 0;
      for (const p of pieces) { size += p.length; crc = crc32(p, crc); }
      const name = Buffer.from(e.name, 'utf8');
      const offset = sink.offset;
      const zip64Local = force || size >= U32_MAX;

      // Local header: 30 fixed bytes, name, [ZIP64 sizes], [padding extra so data lands aligned].
      const z64 = zip64Local ? 20 : 0;
      const base = offset + 30 + name.length + z64;
      let pad = (align - (base % align)) % align;
      if (pad > 0 && pad < 4) pad += align; // an extra field needs at least its 4-byte header
      const h = Buffer.alloc(30 + name.length + z64 + pad);
      h.writeUInt32LE(0x04034b50, 0);
      h.writeUInt16LE(zip64Local ? 45 : 20, 4);
      h.writeUInt16LE(FLAG_UTF8, 6);
      h.writeUInt16LE(0, 8); // stored
      h.writeUInt16LE(DOS_TIME, 10);
      h.writeUInt16LE(DOS_DATE, 12);
      h.writeUInt32LE(crc, 14);
      h.writeUInt32LE(zip64Local ? U32_MAX : size, 18);
      h.writeUInt32LE(zip64Local ? U32_MAX : size, 22);
      h.writeUInt16LE(name.length, 26);
      h.writeUInt16LE(z64 + pad, 28);
      name.copy(h, 30);
      let x = 30 + name.length;
      if (zip64Local) {
        h.writeUInt16LE(0x0001, x); h.writeUInt16LE(16, x + 2);
        h.writeBigUInt64LE(BigInt(size), x + 4); h.writeBigUInt64LE(BigInt(size), x + 12);
        x += 20;
      }
      if (pad > 0) {
        h.writeUInt16LE(PAD_HEADER_ID, x); h.writeUInt16LE(pad - 4, x + 2);
        h.fill(0x5a, x + 4, x + pad); // 'Z'
      }
      sink.write(h);
      for (const p of pieces) sink.write(p);
      written.push({ name, crc, size, offset, zip64Local });
    }

    // Central directory.
    const cdOffset = sink.offset;
    let anyZip64 = force;
    for (const w of written) {
      const bigSize = force || w.size >= U32_MAX;
      const bigOff = force || w.offset >= U32_MAX;
      const z = (bigSize ? 16 : 0) + (bigOff ? 8 : 0);
      const zLen = z ? 4 + z : 0;
      if (z) anyZip64 = true;
      const c = Buffer.alloc(46 + w.name.length + zLen);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(45, 4); // made by: spec 4.5, MS-DOS attributes
      c.writeUInt16LE(z || w.zip64Local ? 45 : 20, 6);
      c.writeUInt16LE(FLAG_UTF8, 8);
      c.writeUInt16LE(0, 10);
      c.writeUInt16LE(DOS_TIME, 12);
      c.writeUInt16LE(DOS_DATE, 14);
      c.writeUInt32LE(w.crc, 16);
      c.writeUInt32LE(bigSize ? U32_MAX : w.size, 20);
      c.writeUInt32LE(bigSize ? U32_MAX : w.size, 24);
      c.writeUInt16LE(w.name.length, 28);
      c.writeUInt16LE(zLen, 30);
      // comment length, disk number, internal and external attributes stay 0
      c.writeUInt32LE(bigOff ? U32_MAX : w.offset, 42);
      w.name.copy(c, 46);
      if (z) {
        let x = 46 + w.name.length;
        c.writeUInt16LE(0x0001, x); c.writeUInt16LE(z, x + 2); x += 4;
        if (bigSize) { c.writeBigUInt64LE(BigInt(w.size), x); c.writeBigUInt64LE(BigInt(w.size), x + 8); x += 16; }
        if (bigOff) c.writeBigUInt64LE(BigInt(w.offset), x);
      }
      sink.write(c);
    }
    const cdSize = sink.offset - cdOffset;
    const n = written.length;
    const big = anyZip64 || n >= 0xffff || cdOffset >= U32_MAX || cdSize >= U32_MAX;

    if (big) {
      // ZIP64 end of central directory record (56 bytes) and its locator (20 bytes).
      const recPos = sink.offset;
      const r = Buffer.alloc(56 + 20);
      r.writeUInt32LE(0x06064b50, 0);
      r.writeBigUInt64LE(44n, 4); // size of the rest of the record
      r.writeUInt16LE(45, 12);
      r.writeUInt16LE(45, 14);
      // disk numbers at 16 and 20 stay 0
      r.writeBigUInt64LE(BigInt(n), 24);
      r.writeBigUInt64LE(BigInt(n), 32);
      r.writeBigUInt64LE(BigInt(cdSize), 40);
      r.writeBigUInt64LE(BigInt(cdOffset), 48);
      r.writeUInt32LE(0x07064b50, 56);
      r.writeBigUInt64LE(BigInt(recPos), 64);
      r.writeUInt32LE(1, 72); // total number of disks
      sink.write(r);
    }
    const e = Buffer.alloc(22);
    e.writeUInt32LE(0x06054b50, 0);
    e.writeUInt16LE(big ? 0xffff : n, 8);
    e.writeUInt16LE(big ? 0xffff : n, 10);
    e.writeUInt32LE(big ? U32_MAX : cdSize, 12);
    e.writeUInt32LE(big ? U32_MAX : cdOffset, 16);
    sink.write(e);
  }, opts.leadingHoleBytes ?? 0);
}
