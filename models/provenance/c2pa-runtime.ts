// Loading @contentauth/c2pa-wasm (the Content Authenticity Initiative's c2pa-rs as WebAssembly) under
// Node, once per process and only when C2PA is used: the module is 9 MB and takes ~0.1 s to compile, and
// the engine worker that only writes XMP never needs it.
//
// Why the FileReaderSync shim: the library was built for browsers and reads the asset given to `sign`
// (a Blob) synchronously through FileReaderSync, which Node does not have. It only calls `size`, `slice`
// and FileReaderSync#readAsArrayBuffer on that object, so the asset is passed as a BytesBlob over a
// Uint8Array and the shim reads BytesBlobs only. It is installed only where no FileReaderSync exists.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as C2paWasm from '@contentauth/c2pa-wasm';

export type C2paModule = typeof C2paWasm;

/** The subset of Blob that c2pa-wasm uses, over bytes already in memory. */
export class BytesBlob {
  constructor(readonly bytes: Uint8Array) {}
  get size(): number { return this.bytes.byteLength; }
  slice(start?: number, end?: number): BytesBlob { return new BytesBlob(this.bytes.subarray(start, end)); }
  async arrayBuffer(): Promise<ArrayBuffer> { return this.#copy(); }
  /** A standalone ArrayBuffer (the library copies from it into its own memory). */
  #copy(): ArrayBuffer {
    const b = this.bytes;
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  readSync(): ArrayBuffer { return this.#copy(); }
}

/** Casts a BytesBlob to the Blob type the library's typings name (it only uses the members above). */
export const asBlob = (b: BytesBlob): Blob => b as unknown as Blob;

class BytesFileReaderSync {
  readAsArrayBuffer(blob: unknown): ArrayBuffer {
    if (blob instanceof BytesBlob) return blob.readSync();
    throw new TypeError('FileReaderSync (Leffa Studio shim for c2pa-wasm): only BytesBlob can be read synchronously under Node');
  }
}

let loading: Promise<C2paModule> | null = null;

/** The initialised c2pa-wasm module. */
export function loadC2pa(): Promise<C2paModule> {
  loading ??= (async () => {
    const g = globalThis as { FileReaderSync?: unknown };
    if (g.FileReaderSync === undefined) g.FileReaderSync = BytesFileReaderSync;
    const mod = await import('@contentauth/c2pa-wasm');
    const wasm = await readFile(createRequire(import.meta.url).resolve('@contentauth/c2pa-wasm/c2pa.wasm'));
    await mod.default({ module_or_path: wasm });
    return mod;
  })().catch((err: unknown) => {
    loading = null; // a failed load (missing file) may be retried after it is fixed
    throw new Error(`C2PA: cannot load @contentauth/c2pa-wasm (${(err as Error).message})`, { cause: err });
  });
  return loading;
}
