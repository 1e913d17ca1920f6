// Serve mode's blob and upload endpoints and its event push, on a real host (fake engine): /blob/<sha256>
// needs the token and serves only images the open project's store knows; /upload needs the token and
// the page's own origin, enforces its size limit, and refuses (and deletes) anything not an image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startServer, type ServeHandle } from '../../main/serve/server.ts';
import type { FileRef, Result } from '../../preload/contract.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { bombPng, makeHost, solidPng, type TestHost } from './api-helpers.ts';

let t: TestHost;
let handle: ServeHandle;
let base: string;
let uploadDir: string;
const photoPath = join(assetsDir, 'people', 'astronaut.png');

before(async () => {
  t = await makeHost();
  uploadDir = join(t.dir, 'uploads');
  mkdirSync(uploadDir);
  handle = await startServer({
    dispatch: t.host.dispatch,
    staticDir: join(t.dir, 'no-renderer'),
    blobs: (hash) => t.host.catalog.blob(hash),
    uploads: { files: t.host.files, dir: uploadDir, maxImageBytes: 1024 * 1024 },
    events: t.host.events,
  });
  base = `http://127.0.0.1:${handle.port}`;
});
after(async () => {
  await handle.close();
  await t.close();
});

const auth = () => ({ authorization: `Bearer ${handle.token}` });
const upload = (body: BodyInit, query = '', headers: Record<string, string> = {}) =>
  fetch(`${base}/upload${query}`, { method: 'POST', body, headers: { ...auth(), ...headers } });
const api = async (channel: string, payload: unknown) =>
  (await (await fetch(`${base}/api/${channel}`, { method: 'POST', headers: auth(), body: JSON.stringify(payload) })).json()) as Result<never>;

test('/upload: token, origin, size limit, and only images; refused bodies leave no file', async () => {
  const png = new Uint8Array(readFileSync(photoPath));
  assert.equal((await fetch(`${base}/upload`, { method: 'POST', body: png })).status, 401);
  assert.equal((await upload(png, '', { authorization: 'Bearer wrong' })).status, 403);
  assert.equal((await upload(png, '', { origin: 'https://evil.example' })).status, 403);
  assert.equal((await fetch(`${base}/upload`, { headers: auth() })).status, 405);

  const text = await upload('just some text', '?name=notes.png');
  assert.equal(text.status, 415);
  const textBody = (await text.json()) as Result<never>;
  assert.ok(!textBody.ok && textBody.error.kind === 'validation' && /notes\.png: .*PNG, JPEG, WebP or TIFF/.test(textBody.error.message), JSON.stringify(textBody));
  const bomb = await upload(new Uint8Array(bombPng()), '?name=bomb.png');
  assert.equal(bomb.status, 415);
  assert.match(JSON.stringify(await bomb.json()), /megapixels/);
  const big = await upload(new Uint8Array(2 * 1024 * 1024).fill(1), '?name=big.png');
  assert.equal(big.status, 413);
  assert.match(JSON.stringify(await big.json()), /over the limit of 1048576 bytes/);
  assert.equal((await upload(new Uint8Array(0))).status, 400);
  assert.equal((await upload(png, '?kind=video')).status, 400);
  assert.equal((await upload('not weights at all', '?kind=checkpoint&name=w.safetensors')).status, 415);
  assert.deepEqual(readdirSync(uploadDir), [], 'nothing refused stays on disk');

  // Raw body and multipart both give a FileRef, with the image's size, and no path.
  const raw = await upload(png, '?name=../../astronaut.png', { 'content-type': 'image/png' });
  assert.equal(raw.status, 200);
  const rawRef = ((await raw.json()) as Result<FileRef>);
  assert.ok(rawRef.ok);
  assert.deepEqual([rawRef.value.name, rawRef.value.size, rawRef.value.image], ['astronaut.png', png.length, { width: 512, height: 512, mediaType: 'image/png' }]);
  assert.ok(!JSON.stringify(rawRef).includes(uploadDir));
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await solidPng(20, 30, 128))], { type: 'image/png' }), 'grey.png');
  const multi = await upload(form);
  assert.equal(multi.status, 200);
  const multiRef = (await multi.json()) as Result<FileRef>;
  assert.ok(multiRef.ok);
  assert.deepEqual([multiRef.value.name, multiRef.value.image?.width, multiRef.value.image?.height], ['grey.png', 20, 30]);
  const weights = await upload(new Uint8Array(readFileSync(join(fixturesDir, 'leffa-tiny', 'weights.safetensors'))), '?kind=checkpoint&name=weights.safetensors');
  assert.equal(weights.status, 200);
  assert.equal(readdirSync(uploadDir).length, 3);

  // An upload's ref is what import calls take.
  assert.ok((await api('project:create', { name: 'serve' })).ok);
  const imported = (await api('models:import', { items: [{ file: rawRef.value.id }] })) as Result<{ photos: { blobHash: string }[] }>;
  assert.ok(imported.ok, JSON.stringify(imported));
});

test('/blob/<sha256>: needs the token, serves only images the open project knows', async () => {
  const { items: [photo] } = await t.ok('models:list');
  const hash = photo!.blobHash;
  const png0 = readFileSync(photoPath);
  assert.equal((await fetch(`${base}/blob/${hash}`)).status, 401);
  assert.equal((await fetch(`${base}/blob/${hash}`, { headers: { authorization: 'Bearer nope' } })).status, 403);
  const res = await fetch(`${base}/blob/${hash}`, { headers: auth() });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(png0)));
  assert.equal((await fetch(`${base}/blob/${hash}`, { method: 'HEAD', headers: auth() })).status, 200);
  assert.equal((await fetch(`${base}/blob/${hash}`, { method: 'POST', headers: auth() })).status, 405);
  for (const bad of ['0'.repeat(64), hash.toUpperCase(), hash.slice(1), `${hash}/x`, '..%2f..%2fproject.sqlite', '']) {
    assert.equal((await fetch(`${base}/blob/${bad}`, { headers: auth() })).status, 404, bad);
  }
  // A blob the store knows that is not an image (checkpoint weights) is not served either.
  const weights = await t.grant(join(fixturesDir, 'leffa-tiny', 'weights.safetensors'));
  const ckpt = await t.ok('checkpoints:import', { file: weights, name: 'w', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true });
  assert.equal((await fetch(`${base}/blob/${ckpt.blobHash}`, { headers: auth() })).status, 404);
  await t.fails('blobs:url', { hash: ckpt.blobHash }, 'not_found');
  // Closing the project stops serving its blobs.
  await t.ok('project:close');
  assert.equal((await fetch(`${base}/blob/${hash}`, { headers: auth() })).status, 404);
});

test('events are pushed to every open socket as {event, payload}', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${handle.port}/ws`, { headers: auth() });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const got = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
  t.host.events.emit('queue:event', { type: 'jobs-added', batchId: 3, created: 4 });
  assert.deepEqual(await got, { event: 'queue:event', payload: { type: 'jobs-added', batchId: 3, created: 4 } });
  ws.close();
});
