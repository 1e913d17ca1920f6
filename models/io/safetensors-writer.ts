// safetensors writer. Tensors are laid out back to back in the order given (that order is the file
// order a reader reports); the header is padded with spaces to a multiple of 8 so the data block, and
// with it every tensor of 8-byte-aligned size, starts aligned. The file appears atomically.
import type { DType, TypedData } from './types.ts';
import { DTYPE_BYTES, HOST_IS_LITTLE_ENDIAN, bytesOf, dataMatchesDType, expectedArrayName, isDType, numelOf } from './dtype.ts';
import { CheckpointError, describeValue } from './errors.ts';
import { atomicWrite } from './atomic-write.ts';

export interface SafetensorsTensor {
  name: string;
  dtype: DType;
  shape: number[];
  /** C-order elements; F16/BF16 as raw Uint16 bits. */
  data: TypedData;
}

export function writeSafetensors(path: string, tensors: SafetensorsTensor[], metadata?: Record<string, string>): void {
  const fail = (msg: string, key?: string): never => { throw new CheckpointError(path, `safetensors ${path}: ${msg}`, key); };
  if (!HOST_IS_LITTLE_ENDIAN) fail('this host is big-endian; safetensors data is little-endian and no byte swapping is implemented');

  // 1. Validate everything before touching the disk.
  const seen = new Set<string>();
  const parts: string[] = [];
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') fail(`metadata.${k} is ${describeValue(v)}, expected a string`, '__metadata__');
    }
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const t of tensors) {
    if (typeof t.name !== 'string' || t.name === '' || t.name === '__metadata__') fail(`tensor name ${describeValue(t.name)} is not allowed, expected a non-empty string other than "__metadata__"`);
    if (seen.has(t.name)) fail(`tensor ${JSON.stringify(t.name)} is given twice, expected unique names`, t.name);
    seen.add(t.name);
    if (!isDType(t.dtype)) fail(`tensor ${JSON.stringify(t.name)}: dtype ${describeValue(t.dtype)} is not one of ${Object.keys(DTYPE_BYTES).join(', ')}`, t.name);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor ${JSON.stringify(t.name)}: shape ${describeValue(t.shape)} is not an array of non-negative integers`, t.name);
    }
    const want = expectedArrayName(t.dtype);
    if (!dataMatchesDType(t.dtype, t.data)) {
      fail(`tensor ${JSON.stringify(t.name)}: data is ${describeValue(t.data)}, expected a ${want} for ${t.dtype}`, t.name);
    }
    const numel = numelOf(t.shape);
    if (t.data.length !== numel) fail(`tensor ${JSON.stringify(t.name)}: data has ${t.data.length} elements, expected ${numel} for shape ${JSON.stringify(t.shape)}`, t.name);
    const bytes = numel * DTYPE_BYTES[t.dtype];
    // Built by hand rather than from an object: JSON.stringify would move integer-like names ("0", "1")
    // to the front and break the requested order.
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${offset + bytes}]}`);
    offset += bytes;
  }

  // 2. Header, padded with spaces (valid JSON whitespace) to a multiple of 8.
  let header = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded !== header.length) header = Buffer.concat([header, Buffer.alloc(padded - header.length, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));

  // 3. Stream it out.
  atomicWrite(path, 'safetensors', (sink) => {
    sink.write(len);
    sink.write(header);
    for (const t of tensors) sink.write(bytesOf(t.data));
  });
}
