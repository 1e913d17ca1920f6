// A restricted unpickler: a plain stack machine over the pickle opcodes a PyTorch state dict uses
// (protocol 2 as torch.save writes it; the cheap additions of protocols 3-5 are accepted too).
// It never runs code: GLOBAL / STACK_GLOBAL are resolved through `hooks.findClass`, which returns only
// allowlisted stand-ins and throws for anything else; REDUCE / NEWOBJ can only call those stand-ins.
// Opcode reference: CPython Lib/pickletools.py (descriptions only; nothing is shared with it).
import { CheckpointError, describeValue } from './errors.ts';

/** A stand-in for an allowed Python callable (class or function). */
export interface PyCallable {
  readonly kind: 'callable';
  /** "module.name", for messages. */
  readonly qualname: string;
  /** REDUCE / NEWOBJ: `f(*args)`; `at` locates the opcode for error messages ("byte 123"). */
  call(args: unknown[], at: string): unknown;
}

export interface UnpickleHooks {
  /** Resolves `module.name`; must throw for anything not allowed. `at` is "byte <offset>". */
  findClass(module: string, name: string, at: string): unknown;
  /** BINPERSID: turns a persistent id (for torch: a storage tuple) into a value. */
  persistentLoad(pid: unknown, at: string): unknown;
}

export interface UnpickleContext {
  /** The file, for CheckpointError.file. */
  file: string;
  /** Message prefix, e.g. "pth /x/weights.pth: weights/data.pkl"; messages read "<where> byte <n>: ...". */
  where: string;
}

export const isPyCallable = (v: unknown): v is PyCallable =>
  typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'callable';

/** Opcodes deliberately refused, named so the error says what was found. */
const REFUSED: Record<number, string> = {
  0x69: 'INST', 0x6f: 'OBJ', 0x92: 'NEWOBJ_EX', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x50: 'PERSID',
  0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING', 0x56: 'UNICODE', 0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks, ctx: UnpickleContext): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  let pos = 0;
  let opStart = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const at = (): string => `byte ${opStart}`;
  const fail = (msg: string): never => { throw new CheckpointError(ctx.file, `${ctx.where} ${at()}: ${msg}`); };
  const need = (n: number, what: string): void => {
    if (n < 0 || pos + n > bytes.length) {
      fail(`${what} needs ${n} bytes but the pickle ends at byte ${bytes.length} (truncated or corrupt pickle)`);
    }
  };
  const u8 = (): number => { need(1, 'opcode argument'); return bytes[pos++]!; };
  const u16 = (): number => { need(2, 'opcode argument'); const v = dv.getUint16(pos, true); pos += 2; return v; };
  const u32 = (): number => { need(4, 'opcode argument'); const v = dv.getUint32(pos, true); pos += 4; return v; };
  const i32 = (): number => { need(4, 'opcode argument'); const v = dv.getInt32(pos, true); pos += 4; return v; };
  const u64 = (): number => {
    need(8, 'opcode argument');
    const v = dv.getBigUint64(pos, true); pos += 8;
    if (v > BigInt(bytes.length)) fail(`length ${v} exceeds the pickle size ${bytes.length} (corrupt pickle)`);
    return Number(v);
  };
  const take = (n: number, what: string): Uint8Array => { need(n, what); const b = bytes.subarray(pos, pos + n); pos += n; return b; };
  const line = (what: string): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail(`${what}: no newline before the end of the pickle (truncated or corrupt pickle)`);
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const str = (b: Uint8Array): string => {
    try { return utf8.decode(b); } catch { return fail('string is not valid UTF-8 (corrupt pickle)'); }
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow (corrupt pickle)');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow (corrupt pickle)');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) fail('no MARK to pop to (corrupt pickle)');
    stack = prev!;
    return items;
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) fail(`memo key ${i} was never stored (corrupt pickle)`);
    return memo.get(i);
  };
  const asDict = (d: unknown, op: string): Map<unknown, unknown> => {
    if (!(d instanceof Map)) fail(`${op} on ${describeValue(d)}, expected a dict`);
    return d as Map<unknown, unknown>;
  };
  const asList = (l: unknown, op: string): unknown[] => {
    if (!Array.isArray(l)) fail(`${op} on ${describeValue(l)}, expected a list`);
    return l as unknown[];
  };
  const dictKey = (k: unknown): unknown => {
    // Map keys compare by identity for objects; only hashable scalars make sense in a state dict.
    if (k !== null && typeof k === 'object') fail(`dict key ${describeValue(k)} is not a string or number`);
    return k;
  };
  const long = (b: Uint8Array): number | bigint => {
    // Little-endian two's complement. State dicts hold sizes and counts, never huge integers, and decoding
    // a megabyte-long one would take quadratic time, so lengths are capped.
    if (b.length > 32) fail(`integer of ${b.length} bytes, expected at most 32 bytes in a state dict`);
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const callable = (f: unknown, op: string): PyCallable => {
    if (!isPyCallable(f)) fail(`${op} applies ${describeValue(f)}, which is not an allowed callable`);
    return f as PyCallable;
  };
  const tupleArgs = (a: unknown, op: string): unknown[] => {
    if (!Array.isArray(a)) fail(`${op} arguments are ${describeValue(a)}, expected a tuple`);
    return a as unknown[];
  };

  for (;;) {
    opStart = pos;
    if (pos >= bytes.length) fail('the pickle ends without a STOP opcode (truncated or corrupt pickle)');
    const op = bytes[pos++]!;
    switch (op) {
      case 0x80: { const p = u8(); if (p > 5) fail(`pickle protocol ${p}, expected 2..5`); break; } // PROTO
      case 0x95: u64(); break; // FRAME (protocol 4): framing only, the bytes follow inline
      case 0x2e: { // STOP
        // Like Python's load_stop: the result is the top of the stack; anything below it is ignored.
        return pop();
      }
      case 0x28: metastack.push(stack); stack = []; break; // MARK
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x74: { const t = popMark(); stack.push(t); break; } // TUPLE (popMark swaps `stack`: pop first)
      case 0x85: { const a = pop(); stack.push([a]); break; } // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x6c: { const l = popMark(); stack.push(l); break; } // LIST
      case 0x64: { // DICT
        const items = popMark();
        if (items.length % 2) fail('DICT with an odd number of items (corrupt pickle)');
        const d = new Map<unknown, unknown>();
        for (let i = 0; i < items.length; i += 2) d.set(dictKey(items[i]), items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x61: { const v = pop(); asList(top(), 'APPEND').push(v); break; } // APPEND
      case 0x65: { const items = popMark(); const l = asList(top(), 'APPENDS'); for (const v of items) l.push(v); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); asDict(top(), 'SETITEM').set(dictKey(k), v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('SETITEMS with an odd number of items (corrupt pickle)');
        const d = asDict(top(), 'SETITEMS');
        for (let i = 0; i < items.length; i += 2) d.set(dictKey(items[i]), items[i + 1]);
        break;
      }
      case 0x58: { const n = u32(); stack.push(str(take(n, 'BINUNICODE'))); break; } // BINUNICODE
      case 0x8c: { const n = u8(); stack.push(str(take(n, 'SHORT_BINUNICODE'))); break; } // SHORT_BINUNICODE
      case 0x8d: { const n = u64(); stack.push(str(take(n, 'BINUNICODE8'))); break; } // BINUNICODE8
      case 0x54: { const n = i32(); stack.push(latin1.decode(take(n, 'BINSTRING'))); break; } // BINSTRING (Python 2 str)
      case 0x55: { const n = u8(); stack.push(latin1.decode(take(n, 'SHORT_BINSTRING'))); break; } // SHORT_BINSTRING
      case 0x42: { const n = u32(); stack.push(take(n, 'BINBYTES').slice()); break; } // BINBYTES
      case 0x43: { const n = u8(); stack.push(take(n, 'SHORT_BINBYTES').slice()); break; } // SHORT_BINBYTES
      case 0x8e: { const n = u64(); stack.push(take(n, 'BINBYTES8').slice()); break; } // BINBYTES8
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: { const n = u8(); stack.push(long(take(n, 'LONG1'))); break; } // LONG1
      case 0x8b: { const n = i32(); stack.push(long(take(n, 'LONG4'))); break; } // LONG4
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4e: stack.push(null); break; // NONE
      case 0x47: { need(8, 'BINFLOAT'); stack.push(dv.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT (big-endian)
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x70: { // PUT (text form)
        const s = line('PUT');
        if (!/^\d+$/.test(s)) fail(`PUT index ${describeValue(s)} is not a number`);
        memo.set(Number(s), top());
        break;
      }
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x67: { // GET (text form)
        const s = line('GET');
        if (!/^\d+$/.test(s)) fail(`GET index ${describeValue(s)} is not a number`);
        stack.push(memoGet(Number(s)));
        break;
      }
      case 0x63: { const module = line('GLOBAL module'); const name = line('GLOBAL name'); stack.push(hooks.findClass(module, name, at())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop(); const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          fail(`STACK_GLOBAL of ${describeValue(module)}.${describeValue(name)}, expected two strings`);
        }
        stack.push(hooks.findClass(module as string, name as string, at()));
        break;
      }
      case 0x52: { const args = tupleArgs(pop(), 'REDUCE'); const f = callable(pop(), 'REDUCE'); stack.push(f.call(args, at())); break; } // REDUCE
      case 0x81: { const args = tupleArgs(pop(), 'NEWOBJ'); const f = callable(pop(), 'NEWOBJ'); stack.push(f.call(args, at())); break; } // NEWOBJ
      // BUILD sets attributes (`__setstate__`); the only one a state dict carries is OrderedDict._metadata
      // (per-module version numbers), which nothing here needs, so the state is checked and dropped.
      case 0x62: { pop(); top(); break; } // BUILD
      case 0x51: { const pid = pop(); stack.push(hooks.persistentLoad(pid, at())); break; } // BINPERSID
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      default: {
        const name = REFUSED[op];
        const ch = op >= 0x20 && op < 0x7f ? ` '${String.fromCharCode(op)}'` : '';
        fail(`unknown or unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}${ch}${name ? ` (${name})` : ''}; ` +
          'expected only the opcodes of a PyTorch state dict (protocol 2)');
      }
    }
  }
}
