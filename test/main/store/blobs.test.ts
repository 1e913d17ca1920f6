// The content-addressed blob store and the orphan check: dedup by content, atomic writes (no temp files
// left), streaming copy with progress and cancel, hash verification, and what a crash between "file
// written" and "row committed" leaves behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobStore } from '../../../main/store/blob-store.ts';
import { listBlobFiles } from '../../../main/store/integrity.ts';
import { openProject } from '../../../main/store/index.ts';
import { count, pngBytes, tempDir, tempProject } from './helpers.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('the same bytes are stored once, under their SHA-256, with no temp files left', async () => {
  const dir = await tempDir();
  try {
    const store = await BlobStore.open(join(dir, 'blobs'));
    const bytes = new TextEncoder().encode('hello');
    const a = await store.putBytes(bytes);
    const b = await store.putBytes(bytes);
    assert.equal(a.hash, sha(bytes));
    assert.equal(a.created, true);
    assert.equal(b.created, false);
    assert.equal(store.pathOf(a.hash), join(dir, 'blobs', a.hash.slice(0, 2), a.hash));
    assert.deepEqual(await listBlobFiles(store.root), [a.hash]);
    assert.deepEqual(readdirSync(join(dir, 'blobs', '.tmp')), []);
    assert.equal(await store.verify(a.hash), true);
    assert.throws(() => store.pathOf('../../etc/passwd'), /blobPath: hash is "..\/..\/etc\/passwd"; expected a SHA-256 as 64 lowercase hex digits/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('large files stream in with progress; a wrong expected hash or a cancel stores nothing', async () => {
  const dir = await tempDir();
  try {
    const store = await BlobStore.open(join(dir, 'blobs'));
    const src = join(dir, 'big.bin');
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(src, data);
    const seen: number[] = [];
    const blob = await store.putFile(src, { chunkSize: 1024 * 1024, onProgress: (p) => { seen.push(p.bytes); assert.equal(p.totalBytes, data.length); } });
    store.release(blob.hash);
    assert.equal(blob.hash, sha(data));
    assert.equal(blob.size, data.length);
    assert.deepEqual(seen, [1, 2, 3].map((i) => i * 1024 * 1024).concat(data.length));
    assert.ok(readFileSync(store.pathOf(blob.hash)).equals(data));

    const other = join(dir, 'other.bin');
    await writeFile(other, 'other');
    await assert.rejects(store.putFile(other, { expectedSha256: 'f'.repeat(64) }), /expectedSha256 is "f{64}"; expected the SHA-256 of .*other\.bin, which is [0-9a-f]{64}/);
    const controller = new AbortController();
    await assert.rejects(
      store.putFile(src, { chunkSize: 1024 * 1024, signal: controller.signal, onProgress: () => controller.abort() }),
      { name: 'AbortError' },
    );
    assert.deepEqual(await listBlobFiles(store.root), [blob.hash], 'only the first file is stored');
    assert.deepEqual(readdirSync(join(dir, 'blobs', '.tmp')), [], 'temp copies are removed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the orphan check reports files without rows and rows without files, and can clean the former', async () => {
  const t = await tempProject();
  try {
    const { project } = t;
    const photo = await project.modelPhotos.add({ name: 'Ana', file: await pngBytes(48, 64, 1) });
    // A crash between the atomic file write and the commit leaves exactly this: a file with no row.
    const orphan = await project.files.putBytes(await pngBytes(8, 8, 2));
    project.files.release(orphan.hash);
    // A held blob (an import in progress) is never reported or cleaned.
    const inFlight = await project.files.putBytes(await pngBytes(8, 8, 3));
    // A row whose file was deleted by hand.
    const gone = await project.modelPhotos.add({ name: 'Bo', file: await pngBytes(48, 64, 4) });
    await rm(project.blobPath(gone.blobHash));
    // A temp file from a crashed write, and a stray file someone dropped into blobs/.
    await writeFile(join(project.files.root, '.tmp', '999-dead.tmp'), 'partial');
    await writeFile(join(project.files.root, 'notes.txt'), 'hi');

    const report = await project.checkIntegrity({ verify: true });
    assert.deepEqual(report.orphanFiles, [orphan.hash]);
    assert.deepEqual(report.missingFiles, [gone.blobHash]);
    assert.deepEqual(report.strayEntries, ['notes.txt']);
    assert.deepEqual(report.damagedFiles, []);
    assert.equal(report.cleaned, false);
    assert.ok(existsSync(project.blobPath(orphan.hash)), 'report only');

    const cleaned = await project.checkIntegrity({ clean: true });
    assert.equal(cleaned.cleaned, true);
    assert.ok(!existsSync(project.blobPath(orphan.hash)));
    assert.ok(existsSync(project.blobPath(inFlight.hash)), 'held blob kept');
    assert.ok(existsSync(project.blobPath(photo.blobHash)));
    project.files.release(inFlight.hash);

    // Reopening clears temp files and (with 'clean') the orphan left by the in-flight write that never committed.
    project.close();
    const again = await openProject({ dir: t.dir, checkOrphans: 'clean' });
    assert.deepEqual(again.startupCheck?.orphanFiles, [inFlight.hash]);
    assert.deepEqual(readdirSync(join(again.files.root, '.tmp')), []);
    assert.equal(count(again, 'model_photos'), 2);
    again.close();
  } finally {
    await rm(t.dir, { recursive: true, force: true });
  }
});

test('a damaged blob (bytes no longer match the name) is reported by verify', async () => {
  const t = await tempProject();
  try {
    const photo = await t.project.modelPhotos.add({ name: 'Ana', file: await pngBytes(48, 64, 1) });
    await writeFile(t.project.blobPath(photo.blobHash), 'tampered');
    const report = await t.project.checkIntegrity({ verify: true });
    assert.deepEqual(report.damagedFiles, [photo.blobHash]);
  } finally {
    await t.cleanup();
  }
});
