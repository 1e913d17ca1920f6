// safetensors reader: 8-byte little-endian header length, JSON header, raw data block.
// Tensors are read lazily with positioned reads, so memory use is bounded by the largest tensor.
import type { TensorSource } from './types.ts';
import { viewBytes } from './dtype.ts';
import { RandomAccessFile } from './file-reader.ts';
import { parseSafetensorsHeader, type SafetensorsEntry } from './safetensors-header.ts';
import { createTensorSource } from './source.ts';

export { writeSafetensors, type SafetensorsTensor } from './safetensors-writer.ts';

export function openSafetensors(path: string): TensorSource {
  const file = new RandomAccessFile(path, 'safetensors');
  try {
    const header = parseSafetensorsHeader(path, file.size, (pos, len, what) => file.readAt(pos, len, what));
    return createTensorSource({
      path,
      label: 'safetensors',
      metadata: header.metadata,
      infos: header.entries,
      read(info) {
        const e = info as SafetensorsEntry;
        const bytes = file.readAt(header.dataStart + e.begin, e.end - e.begin, `tensor ${JSON.stringify(e.name)}`, e.name);
        return { name: e.name, dtype: e.dtype, shape: e.shape.slice(), data: viewBytes(e.dtype, bytes) };
      },
      close: () => file.close(),
    });
  } catch (e) {
    file.close();
    throw e;
  }
}
