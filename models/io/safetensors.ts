// safetensors reader: 8-byte little-endian header length, JSON header, raw data block.
// Tensors are read lazily with positioned reads, so memory use is bounded by the largest tensor.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { DType, RawTensor, TensorInfo, TensorSource } from './types.ts';
import { DTYPE_BYTES, toFloat32, typedFromBytes } from './dtype.ts';

interface Entry extends TensorInfo { begin: number; end: number }

export function openSafetensors(path: string): TensorSource {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new Error(`safetensors ${path}: file is ${size} bytes, expected at least 8 (header length)`);
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen > size - 8 || headerLen > 100 * 1024 * 1024) {
      throw new Error(`safetensors ${path}: header length ${headerLen} exceeds the file size ${size} (truncated or not a safetensors file)`);
    }
    const hb = Buffer.alloc(headerLen);
    readSync(fd, hb, 0, headerLen, 8);
    let header: Record<string, unknown>;
    try { header = JSON.parse(hb.toString('utf8')); } catch (e) {
      throw new Error(`safetensors ${path}: header is not valid JSON (${(e as Error).message})`);
    }
    const dataStart = 8 + headerLen;
    const entries = new Map<string, Entry>();
    let metadata: Record<string, string> = {};
    for (const [name, v] of Object.entries(header)) {
      if (name === '__metadata__') { metadata = (v ?? {}) as Record<string, string>; continue; }
      const e = v as { dtype: DType; shape: number[]; data_offsets: [number, number] };
      if (!(e.dtype in DTYPE_BYTES)) throw new Error(`safetensors ${path}: tensor ${name} has dtype ${String(e.dtype)}, expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
      const numel = e.shape.reduce((a, b) => a * b, 1);
      const [begin, end] = e.data_offsets;
      if (end - begin !== numel * DTYPE_BYTES[e.dtype]) {
        throw new Error(`safetensors ${path}: tensor ${name} spans ${end - begin} bytes, expected ${numel * DTYPE_BYTES[e.dtype]} for ${e.dtype}${JSON.stringify(e.shape)}`);
      }
      if (dataStart + end > size) {
        throw new Error(`safetensors ${path}: tensor ${name} ends at byte ${dataStart + end}, beyond the file size ${size} (truncated file)`);
      }
      entries.set(name, { name, dtype: e.dtype, shape: e.shape, begin, end });
    }
    const order = [...entries.values()].sort((a, b) => a.begin - b.begin).map((e) => e.name);
    const get = (name: string): Entry => {
      const e = entries.get(name);
      if (!e) throw new Error(`safetensors ${path}: no tensor named ${name}`);
      return e;
    };
    let open = true;
    const src: TensorSource = {
      path,
      metadata,
      keys: () => order.slice(),
      has: (n) => entries.has(n),
      info: (n) => { const e = get(n); return { name: e.name, dtype: e.dtype, shape: e.shape.slice() }; },
      read(n): RawTensor {
        if (!open) throw new Error(`safetensors ${path}: read(${n}) after close()`);
        const e = get(n);
        const bytes = new Uint8Array(e.end - e.begin);
        let off = 0;
        while (off < bytes.length) {
          const got = readSync(fd, bytes, off, bytes.length - off, dataStart + e.begin + off);
          if (got === 0) throw new Error(`safetensors ${path}: unexpected end of file reading ${n}`);
          off += got;
        }
        return { name: e.name, dtype: e.dtype, shape: e.shape.slice(), data: typedFromBytes(e.dtype, bytes) };
      },
      readFloat32(n) { const t = src.read(n); return toFloat32(t.dtype, t.data, `${path}: ${n}`); },
      close() { if (open) { open = false; closeSync(fd); } },
    };
    return src;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
