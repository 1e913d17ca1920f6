// Loading a checkpoint must never execute code. A pickle can name any Python callable (GLOBAL, or
// STACK_GLOBAL from protocol 4) and call it with REDUCE; the reader refuses every global outside the
// state-dict allowlist at the moment it is named, so the call can never happen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openPth } from '../../../models/io/pth.ts';
import { openCheckpoint } from '../../../models/io/index.ts';
import { PickleWriter } from '../../../models/io/pickle-writer.ts';
import { craftPth, statePickle } from './pth-craft.ts';
import { expectCheckpointError, tempDir } from './helpers.ts';

const dir = tempDir();
const marker = join(dir, 'pwned');
const command = `touch ${marker}`;

/** `module.name(command)` via GLOBAL + REDUCE (protocol 2, as a malicious torch.save payload does). */
function viaGlobal(module: string, name: string): Buffer {
  return new PickleWriter().proto(2).global(module, name).mark().str(command).tuple().reduce().stop().bytes();
}

/** The same via protocol 4 STACK_GLOBAL with SHORT_BINUNICODE strings and MEMOIZE. */
function viaStackGlobal(module: string, name: string): Buffer {
  const s = (v: string): number[] => [0x8c, Buffer.byteLength(v), ...Buffer.from(v)];
  return Buffer.from([0x80, 0x04, ...s(module), 0x94, ...s(name), 0x94, 0x93, 0x94, ...s(command), 0x85, 0x52, 0x2e]);
}

const FORBIDDEN: [string, string][] = [
  ['os', 'system'], ['builtins', 'eval'], ['__builtin__', 'getattr'], ['subprocess', 'Popen'],
  ['torch', 'load'], ['torch._utils', '_rebuild_tensor'], ['numpy.core.multiarray', '_reconstruct'],
];

test('forbidden globals named with GLOBAL are refused, naming module.name and the file', () => {
  for (const [m, n] of FORBIDDEN) {
    const p = join(dir, `global-${m}-${n}.pth`);
    craftPth(p, viaGlobal(m, n));
    expectCheckpointError(() => openPth(p), p, `refusing global ${m}.${n}`, 'w/data.pkl byte 2');
    expectCheckpointError(() => openCheckpoint(p), `refusing global ${m}.${n}`);
  }
  assert.equal(existsSync(marker), false, 'the payload must not have run');
});

test('forbidden globals named with STACK_GLOBAL are refused the same way', () => {
  for (const [m, n] of FORBIDDEN) {
    const p = join(dir, `stack-${m}-${n}.bin`);
    craftPth(p, viaStackGlobal(m, n));
    expectCheckpointError(() => openPth(p), p, `refusing global ${m}.${n}`);
  }
  assert.equal(existsSync(marker), false, 'the payload must not have run');
});

test('a payload hidden after a valid state dict (in BUILD state) is refused too', () => {
  const valid = statePickle([{ name: 'a', key: '0', numel: 1, size: [1], stride: [1] }]);
  // Drop STOP, then BUILD the dict with a state that calls os.system.
  const evil = Buffer.concat([valid.subarray(0, valid.length - 1), viaGlobal('os', 'system').subarray(2, -1), Buffer.from([0x62, 0x2e])]);
  const p = join(dir, 'build.pth');
  craftPth(p, evil, { 0: new Uint8Array(4) });
  expectCheckpointError(() => openPth(p), 'refusing global os.system');
  assert.equal(existsSync(marker), false);
});

test('global names with odd characters are quoted, and unknown storage classes are refused', () => {
  const p = join(dir, 'odd.pth');
  craftPth(p, viaGlobal('os\u0007', 'system'));
  expectCheckpointError(() => openPth(p), 'refusing global "os\\u0007.system"');
  const q = join(dir, 'untyped.pth');
  craftPth(q, statePickle([{ name: 'a', storageClass: 'UntypedStorage', key: '0', numel: 4, size: [1], stride: [1] }]), { 0: new Uint8Array(4) });
  expectCheckpointError(() => openPth(q), 'refusing global torch.UntypedStorage');
});
