// The engine worker, started the way serve mode starts it (a .ts entry under tsx), plus the
// protocol runtime on a bare MessageChannel for the cases a real backend cannot show quickly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { EngineHost, defaultWorkerUrl } from '../../main/engine-host/host.ts';
import { attachEngineRuntime } from '../../main/engine-host/runtime.ts';
import type { MethodTable } from '../../main/engine-host/methods.ts';
import type { WorkerMessage } from '../../main/engine-host/protocol.ts';

test('the worker thread initialises a TF.js backend and answers info', async () => {
  const logs: string[] = [];
  const host = new EngineHost({ workerData: { backend: 'cpu' }, log: (m) => logs.push(m) });
  try {
    const info = await host.info();
    // LEFFA_BACKEND may override the requested backend; whatever ran must be a real one.
    assert.ok(['cpu', 'wasm', 'tensorflow'].includes(info.backend), info.backend);
    assert.equal(typeof info.package, 'string');
    assert.ok(Array.isArray(info.fallbackReasons));
    const again = await host.request('info', {});
    assert.deepEqual(again, info);
  } finally {
    await host.close();
  }
  await assert.rejects(host.info(), { kind: 'unavailable' });
});

test('the default worker entry is worker.ts from source and engine-worker.cjs from the bundle', () => {
  assert.match(defaultWorkerUrl('file:///repo/main/engine-host/host.ts').href, /\/main\/engine-host\/worker\.ts$/);
  assert.match(defaultWorkerUrl('file:///app/dist/main/index.cjs').href, /\/dist\/main\/engine-worker\.cjs$/);
});

function runtimeOnChannel(methods: Partial<MethodTable>, shutdown = () => {}) {
  const { port1, port2 } = new MessageChannel();
  attachEngineRuntime({ port: port2, methods, shutdown });
  const received: WorkerMessage[] = [];
  const waiters: Array<() => void> = [];
  port1.on('message', (m: WorkerMessage) => {
    received.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (pred: (m: WorkerMessage) => boolean): Promise<WorkerMessage> => {
    for (;;) {
      const hit = received.find(pred);
      if (hit) return hit;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { port: port1, next };
}

test('the runtime answers by seq, aborts a request on cancel and reports failures', async () => {
  let release!: () => void;
  const started = new Promise<void>((r) => (release = r));
  const methods: Partial<MethodTable> = {
    info: (_params, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.emit({ type: 'log', message: 'working' });
        release();
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
      }),
  };
  const { port, next } = runtimeOnChannel(methods);
  port.postMessage({ kind: 'request', seq: 7, method: 'info', params: {} });
  await started;
  assert.deepEqual(await next((m) => m.kind === 'event'), { kind: 'event', seq: 7, event: { type: 'log', message: 'working' } });
  port.postMessage({ kind: 'cancel', seq: 7 });
  const response = await next((m) => m.kind === 'response');
  assert.deepEqual(response, { kind: 'response', seq: 7, ok: false, error: { name: 'Error', message: 'request 7 canceled', kind: 'internal' } });

  port.postMessage({ kind: 'request', seq: 8, method: 'toString', params: {} });
  const unknown = await next((m) => m.kind === 'response' && m.seq === 8);
  assert.ok(unknown.kind === 'response' && !unknown.ok && /unknown engine method "toString"/.test(unknown.error.message));
  port.close();
});

test('shutdown frees the backend, then says closed', async () => {
  let freed = false;
  const { port, next } = runtimeOnChannel({ info: async () => ({ backend: 'cpu', requested: 'cpu', package: 'p', fallbackReasons: [] }) }, () => {
    freed = true;
  });
  port.postMessage({ kind: 'shutdown' });
  await next((m) => m.kind === 'closed');
  assert.equal(freed, true);
  port.close();
});
