// Emits the few pickle (protocol 2) opcodes a torch state dict needs, the same ones torch.save emits,
// so files written here load with torch.load(weights_only=True) and with the reader in this folder.

export class PickleWriter {
  private readonly chunks: Buffer[] = [];
  private readonly memo = new Map<string, number>();

  private op(...bytes: number[]): this { this.chunks.push(Buffer.from(bytes)); return this; }

  proto(n: number): this { return this.op(0x80, n); }
  mark(): this { return this.op(0x28); }
  stop(): this { return this.op(0x2e); }
  emptyTuple(): this { return this.op(0x29); }
  emptyDict(): this { return this.op(0x7d); }
  tuple(): this { return this.op(0x74); }
  reduce(): this { return this.op(0x52); }
  setitems(): this { return this.op(0x75); }
  binpersid(): this { return this.op(0x51); }
  bool(v: boolean): this { return this.op(v ? 0x88 : 0x89); }

  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const h = Buffer.alloc(5);
    h[0] = 0x58; // BINUNICODE: u32 length + UTF-8
    h.writeUInt32LE(b.length, 1);
    this.chunks.push(h, b);
    return this;
  }

  int(v: number): this {
    if (!Number.isSafeInteger(v)) throw new RangeError(`pickle int ${v} is not a safe integer`);
    if (v >= 0 && v < 0x100) return this.op(0x4b, v); // BININT1
    if (v >= 0 && v < 0x10000) return this.op(0x4d, v & 0xff, v >> 8); // BININT2
    if (v >= -0x8000_0000 && v < 0x8000_0000) { const b = Buffer.alloc(5); b[0] = 0x4a; b.writeInt32LE(v, 1); this.chunks.push(b); return this; } // BININT
    // LONG1: minimal little-endian two's complement.
    let x = BigInt(v);
    const bytes: number[] = [];
    while (true) {
      const byte = Number(x & 0xffn);
      bytes.push(byte);
      x >>= 8n;
      if ((x === 0n && !(byte & 0x80)) || (x === -1n && byte & 0x80)) break;
    }
    return this.op(0x8a, bytes.length, ...bytes);
  }

  /** A tuple of small ints (size / stride), with the short TUPLEn forms as pickle uses them. */
  intTuple(values: readonly number[]): this {
    if (values.length === 0) return this.emptyTuple();
    if (values.length > 3) this.mark();
    for (const v of values) this.int(v);
    return values.length > 3 ? this.tuple() : this.op(0x84 + values.length); // TUPLE1..3 = 0x85..0x87
  }

  /** GLOBAL `module\nname\n`, memoized so repeated references cost a BINGET. */
  global(module: string, name: string): this {
    const k = `${module}\n${name}`;
    const id = this.memo.get(k);
    if (id !== undefined) return this.get(id);
    this.chunks.push(Buffer.from([0x63]), Buffer.from(`${module}\n${name}\n`, 'utf8'));
    return this.put(k);
  }

  private put(k: string): this {
    const id = this.memo.size;
    this.memo.set(k, id);
    if (id < 0x100) return this.op(0x71, id); // BINPUT
    const b = Buffer.alloc(5); b[0] = 0x72; b.writeUInt32LE(id, 1); this.chunks.push(b); return this; // LONG_BINPUT
  }

  private get(id: number): this {
    if (id < 0x100) return this.op(0x68, id); // BINGET
    const b = Buffer.alloc(5); b[0] = 0x6a; b.writeUInt32LE(id, 1); this.chunks.push(b); return this; // LONG_BINGET
  }

  /** Appends raw opcodes (tests use this to build hostile pickles). */
  raw(bytes: Uint8Array): this { this.chunks.push(Buffer.from(bytes)); return this; }

  bytes(): Buffer { return Buffer.concat(this.chunks); }
}
