// Builds deliberately wrong .pth archives for the security and corruption tests: any pickle bytes, any
// storage entries, written with the same zip writer as real checkpoints.
import { PickleWriter } from '../../../models/io/pickle-writer.ts';
import { writeStoredZip } from '../../../models/io/zip-writer.ts';

export interface CraftTensor { name: string; storageClass?: string; key: string; numel: number; offset?: number; size: number[]; stride: number[] }

/** A state-dict pickle exactly like torch.save's, but with whatever storage/size/stride values are given. */
export function statePickle(tensors: CraftTensor[]): Buffer {
  const pk = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const t of tensors) {
    pk.str(t.name).global('torch._utils', '_rebuild_tensor_v2').mark();
    pk.mark().str('storage').global('torch', t.storageClass ?? 'FloatStorage').str(t.key).str('cpu').int(t.numel).tuple().binpersid();
    pk.int(t.offset ?? 0).intTuple(t.size).intTuple(t.stride).bool(false);
    pk.global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  }
  return pk.setitems().stop().bytes();
}

export function craftPth(path: string, pickle: Uint8Array, storages: Record<string, Uint8Array> = {}, extra: Record<string, Uint8Array> = {}, top = 'w'): void {
  writeStoredZip(path, [
    { name: `${top}/data.pkl`, data: pickle },
    ...Object.entries(storages).map(([k, data]) => ({ name: `${top}/data/${k}`, data })),
    ...Object.entries(extra).map(([k, data]) => ({ name: `${top}/${k}`, data })),
  ]);
}
