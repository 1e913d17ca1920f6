// The browser transport, against a fake socket: envelopes out, answers matched by id, and a
// dropped connection turned into 'unavailable' results (never a hang).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BRIDGE_CHANNELS } from '../../preload/bridge.ts';
import { createSocketBridge, socketUrl, type SocketLike } from '../../renderer/src/lib/socket-bridge.ts';

type Listener = (event: { data?: unknown }) => void;

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Array<{ id: number; channel: string; payload: unknown }> = [];
  #listeners = new Map<string, Listener[]>();
  addEventListener(type: string, listener: Listener) {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  emit(type: string, event: { data?: unknown } = {}) {
    for (const l of this.#listeners.get(type) ?? []) l(event);
  }
  open() {
    this.readyState = 1;
    this.emit('open');
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
    this.emit('close');
  }
}

const tick = () => new Promise((r) => setImmediate(r));

test('ws URL follows the page location', () => {
  assert.equal(socketUrl({ protocol: 'http:', host: '127.0.0.1:5000' }), 'ws://127.0.0.1:5000/ws');
  assert.equal(socketUrl({ protocol: 'https:', host: 'x' }), 'wss://x/ws');
});

test('calls wait for the socket, then are matched to answers by id', async () => {
  const sockets: FakeSocket[] = [];
  const bridge = createSocketBridge({ url: 'ws://h/ws', connect: () => (sockets.push(new FakeSocket()), sockets.at(-1)!) });
  const a = bridge.info();
  const b = bridge.engineInfo();
  await tick();
  assert.equal(sockets.length, 1, 'one connection for concurrent calls');
  sockets[0].open();
  await tick();
  assert.deepEqual(sockets[0].sent.map((m) => [m.channel, m.payload]), [
    [BRIDGE_CHANNELS.info, {}],
    [BRIDGE_CHANNELS.engineInfo, {}],
  ]);
  const [first, second] = sockets[0].sent;
  sockets[0].emit('message', { data: JSON.stringify({ id: second.id, result: { ok: true, value: 'engine' } }) });
  sockets[0].emit('message', { data: 'not json' });
  sockets[0].emit('message', { data: JSON.stringify({ id: first.id, result: { ok: true, value: 'info' } }) });
  assert.deepEqual(await a, { ok: true, value: 'info' });
  assert.deepEqual(await b, { ok: true, value: 'engine' });
});

test('a dropped connection fails pending calls as unavailable, and the next call reconnects', async () => {
  const sockets: FakeSocket[] = [];
  const bridge = createSocketBridge({ url: 'ws://h/ws', connect: () => (sockets.push(new FakeSocket()), sockets.at(-1)!) });
  const pending = bridge.info();
  await tick();
  sockets[0].open();
  await tick();
  sockets[0].close();
  const result = await pending;
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.error.kind === 'unavailable');
  const retry = bridge.info();
  await tick();
  assert.equal(sockets.length, 2);
  sockets[1].open();
  await tick();
  sockets[1].emit('message', { data: JSON.stringify({ id: sockets[1].sent[0].id, result: { ok: true, value: 1 } }) });
  assert.deepEqual(await retry, { ok: true, value: 1 });
});

test('a connection that never opens fails the call instead of hanging', async () => {
  const socket = new FakeSocket();
  const bridge = createSocketBridge({ url: 'ws://h/ws', connect: () => socket });
  const pending = bridge.info();
  await tick();
  socket.readyState = 3;
  socket.emit('error');
  const result = await pending;
  assert.ok(!result.ok && result.error.kind === 'unavailable' && /cannot reach ws:\/\/h\/ws/.test(result.error.message));
});

test('an unanswered call times out as unavailable', async () => {
  const socket = new FakeSocket();
  const bridge = createSocketBridge({ url: 'ws://h/ws', connect: () => socket, timeoutMs: 10 });
  const pending = bridge.info();
  await tick();
  socket.open();
  const result = await pending;
  assert.ok(!result.ok && /no answer in 10 ms/.test(result.error.message));
});
