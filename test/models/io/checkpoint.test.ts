// openCheckpoint picks the reader from what the path is; openDiffusersFolder finds a model folder's weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint, openDiffusersFolder, writePth, writeSafetensors } from '../../../models/io/index.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { expectCheckpointError, keysAndClose, tempDir } from './helpers.ts';

const dir = tempDir();
const T = [{ name: 'conv_in.weight', dtype: 'F32' as const, shape: [2], data: Float32Array.from([1, 2]) }];

function folder(name: string): string {
  const d = join(dir, name);
  mkdirSync(d);
  return d;
}

test('files are dispatched by extension or by their first bytes', () => {
  const pth = `${fixturesDir}/leffa-tiny/weights.pth`;
  for (const ext of ['.pth', '.bin', '.ckpt', '.pt']) {
    const p = join(dir, `model${ext}`);
    copyFileSync(pth, p);
    const src = openCheckpoint(p);
    assert.equal(src.keys().length, 596, ext);
    src.close();
  }
  const st = openCheckpoint(`${fixturesDir}/leffa-tiny/weights.safetensors`);
  assert.equal(st.keys().length, 596);
  st.close();
  // A safetensors file without its extension is recognised by its header.
  const noExt = join(dir, 'weights-no-extension');
  writeSafetensors(noExt, T);
  assert.deepEqual(keysAndClose(openCheckpoint(noExt)), ['conv_in.weight']);
});

test('unknown, legacy and missing files get an error listing the supported formats', () => {
  const junk = join(dir, 'junk.onnx');
  writeFileSync(junk, 'hello world, not a checkpoint');
  expectCheckpointError(() => openCheckpoint(junk), junk, 'unrecognised format', 'supported:', '*.safetensors', 'torch.save zip checkpoint');
  const empty = join(dir, 'empty.pth');
  writeFileSync(empty, '');
  expectCheckpointError(() => openCheckpoint(empty), 'empty file');
  const legacy = join(dir, 'legacy.pth');
  writeFileSync(legacy, Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]));
  expectCheckpointError(() => openCheckpoint(legacy), 'legacy (non-zip) torch.save format');
  expectCheckpointError(() => openCheckpoint(join(dir, 'absent.safetensors')), 'cannot open', 'supported:');
});

test('diffusers folders: safetensors, sharded index or .bin, in that order of preference', () => {
  const a = folder('unet-st');
  writeSafetensors(join(a, 'diffusion_pytorch_model.safetensors'), T);
  writePth(join(a, 'diffusion_pytorch_model.bin'), [{ ...T[0]!, name: 'from.bin' }]);
  assert.deepEqual(keysAndClose(openCheckpoint(a)), ['conv_in.weight']);

  const b = folder('unet-sharded');
  writeSafetensors(join(b, 'diffusion_pytorch_model-00001-of-00001.safetensors'), T);
  writeFileSync(join(b, 'diffusion_pytorch_model.safetensors.index.json'),
    JSON.stringify({ weight_map: { 'conv_in.weight': 'diffusion_pytorch_model-00001-of-00001.safetensors' } }));
  assert.deepEqual(keysAndClose(openDiffusersFolder(b)), ['conv_in.weight']);
  assert.deepEqual(keysAndClose(openCheckpoint(join(b, 'diffusion_pytorch_model.safetensors.index.json'))), ['conv_in.weight']);

  const c = folder('vae-bin');
  writePth(join(c, 'diffusion_pytorch_model.bin'), T);
  const vae = openDiffusersFolder(c);
  assert.deepEqual(Array.from(vae.readFloat32('conv_in.weight')), [1, 2]);
  vae.close();

  const d = folder('config-only');
  writeFileSync(join(d, 'config.json'), '{}');
  expectCheckpointError(() => openDiffusersFolder(d), d, 'no weights found, expected one of diffusion_pytorch_model.safetensors');
  expectCheckpointError(() => openDiffusersFolder(join(dir, 'nope')), 'cannot open');
});
