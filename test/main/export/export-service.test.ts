// Exports end to end through the API on results of a real tiny-model batch (the engine worker on wasm, the
// tiny fixture checkpoint): queue results carry XMP; presets are saved in the project; the preview shows
// names, clashes, refused names and release coverage; a run writes resized, converted, marked files and a
// CSV/JSON manifest with release coverage; a second export with the same names is suffixed or refused; a
// failure mid-export leaves no files and no record; zips; C2PA signing with credentials from the app data
// folder validates, and a one-byte edit fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { EngineSupervisor } from '../../../main/engine-host/supervisor.ts';
import { exportDownload } from '../../../main/export/download.ts';
import { runExport } from '../../../main/export/run.ts';
import { ExportPresetSpec } from '../../../main/export/preset.ts';
import { ZipArchive } from '../../../models/io/zip-reader.ts';
import { parsePngText } from '../../../models/image/png_text.ts';
import { RandomAccessFile } from '../../../models/io/file-reader.ts';
import { DIGITAL_SOURCE_TYPES, readProvenance, readXmpProperty, verifyC2pa } from '../../../models/provenance/index.ts';
import { NS } from '../../../models/provenance/xmp-namespaces.ts';
import { GENERATOR_NAME } from '../../../models/version.ts';
import type { ExportManifestRow, ResultItem } from '../../../preload/contract.ts';
import { assetsDir, fixturesDir } from '../../helpers/fixtures.ts';
import { makeTestPki, type TestPki } from '../../models/provenance/test-certs.ts';
import { garmentPng, makeHost, solidPng, waitFor, type TestHost } from '../api-helpers.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
const engine = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
let t: TestHost;
let projectDir: string;
let results: ResultItem[];
let approved: number[];
let pki: TestPki;

const listFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

before(async () => {
  t = await makeHost({ engine });
  pki = makeTestPki();
  const project = await t.ok('project:create', { name: 'Export run' });
  projectDir = project.path;
  const { photos } = await t.ok('models:import', { items: [{ file: await t.grant(join(assetsDir, 'people', 'astronaut.png')), name: 'Ava' }] });
  const photo = photos[0]!;
  const shirts = [await garmentPng(t.dir, 't-shirt_01'), await garmentPng(t.dir, 't-shirt_02')];
  const { garments } = await t.ok('garments:import', {
    items: [
      { sku: 'TS-001', name: 'Plain tee', category: 'upper_body', colourway: 'Navy', photos: [{ file: await t.grant(shirts[0]!), type: 'flat-lay', view: 'front' }] },
      { sku: 'TS-002', name: 'Striped tee', category: 'upper_body', colourway: 'Red/White', photos: [{ file: await t.grant(shirts[1]!), type: 'flat-lay', view: 'front' }] },
    ],
  });
  await t.ok('checkpoints:import', {
    file: await t.grant(join(tiny, 'weights.safetensors')), base: await t.grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting')),
    name: 'Leffa tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true,
  });
  await t.ok('masks:save', { modelPhotoId: photo.id, category: 'upper_body', pngBase64: (await solidPng(photo.width, photo.height, 255)).toString('base64') });
  const dp = join(t.dir, 'dp.png');
  writeFileSync(dp, await solidPng(photo.width, photo.height, 30, 3));
  await t.ok('densepose:import', { modelPhotoId: photo.id, file: await t.grant(dp), format: 'HD-parula' });
  // 2 garments × 1 photo × 1 seed × (repaint off, on) = 4 cells, one step each.
  const batch = await t.ok('batches:enqueue', { garmentIds: garments.map((g) => g.garment.id), modelPhotoIds: [photo.id], seeds: [7], settings: [{ steps: 1 }, { steps: 1, repaint: true }] });
  await waitFor(() => t.eventsOf('queue:event').some((e) => e.type === 'batch-finished' && e.batchId === batch.batchId), 120_000, 'the batch to finish');
  results = (await t.ok('results:list', { batchId: batch.batchId })).items.sort((a, b) => a.id - b.id);
  assert.equal(results.length, 4);
  const p = t.host.projects.require();
  approved = results.slice(0, 3).map((r) => r.id);
  for (const id of approved) p.reviews.add({ resultId: id, status: 'approved', reviewer: 'test' });
  p.reviews.add({ resultId: results[3]!.id, status: 'rejected', reviewer: 'test' });
  await p.releases.add({ modelPhotoId: photo.id, subject: 'Ava Model', consentDate: '2020-01-01', channels: ['ecommerce'], regions: ['*'], scan: await solidPng(64, 64, 200) });
});

after(async () => {
  await t?.close();
  await engine.close();
  pki?.cleanup();
});

test('queue results already carry the provenance XMP (read back from the stored PNG)', async () => {
  for (const r of results) {
    const p = await readProvenance(readFileSync(t.host.catalog.blob(r.blobHash)!.path));
    assert.ok(p, `result ${r.id} has XMP`);
    const record = JSON.parse(parsePngText(readFileSync(t.host.catalog.blob(r.blobHash)!.path))['leffa-studio']!) as { settings: { repaint?: boolean } };
    // The same rule as exports: composite only when pasted back into the photo (repaint).
    assert.equal(p.digitalSourceType, record.settings.repaint ? DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia : DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia);
    assert.equal(p.generator.name, GENERATOR_NAME);
    assert.deepEqual([p.checkpoint.name, p.checkpoint.licence], ['Leffa tiny', 'MIT'], "the checkpoint's name and licence as the project records them");
  }
});

test('presets are saved in the project, listed, replaced by name and deleted', async () => {
  const saved = await t.ok('exports:savePreset', { name: 'Web 3:4', spec: { size: { width: 120, height: 160 }, format: 'jpeg', quality: 85, template: '{sku}_{colourway}_{model}_{view}_{seed}' } });
  assert.equal(saved.spec.fit, 'cover', 'defaults filled in');
  assert.equal(saved.spec.strip, false, 'strip is off by default');
  const again = await t.ok('exports:savePreset', { name: 'web 3:4', spec: { ...saved.spec, quality: 80 } });
  assert.equal(again.id, saved.id, 'same name (any case) replaces');
  const square = await t.ok('exports:savePreset', { name: 'Square PNG', spec: { size: { width: 64, height: 64 }, fit: 'contain', format: 'png', background: '#eeeeee', template: 'sq_{result}' } });
  assert.deepEqual((await t.ok('exports:presets')).presets.map((p) => p.name), ['Square PNG', 'web 3:4']);
  assert.deepEqual(await t.ok('exports:deletePreset', { id: square.id }), { deleted: true });
  assert.deepEqual((await t.ok('exports:presets')).presets.map((p) => p.name), ['web 3:4']);
  await t.fails('exports:savePreset', { name: 'Bad', spec: { format: 'gif' } }, 'validation');
  await t.fails('exports:savePreset', { name: 'Bad', spec: { strip: true, c2pa: true } }, 'validation', /strip and c2pa/);
});

let firstRun: { files: string[]; rows: ExportManifestRow[] };

test('preview: approved results only, names from the template, release coverage; nothing written', async () => {
  const preset = (await t.ok('exports:presets')).presets[0]!;
  const pv = await t.ok('exports:preview', { selection: { filter: { reviewStatus: 'approved' } }, presetId: preset.id, target: { projectFolder: 'season' } });
  assert.equal(pv.error, null);
  assert.deepEqual(pv.items.map((i) => i.resultId), approved);
  assert.deepEqual(pv.items.map((i) => i.fileName), ['TS-001_Navy_Ava_front_7.jpg', 'TS-001_Navy_Ava_front_7-2.jpg', 'TS-002_Red-White_Ava_front_7.jpg']);
  assert.deepEqual(pv.items.map((i) => i.suffixed), [false, true, false], 'two cells of one garment clash: the second is suffixed');
  assert.ok(pv.items.every((i) => i.release.status === 'ok'));
  assert.deepEqual(pv.conflicts, []);
  assert.equal(existsSync(join(projectDir, 'exports')), false, 'the preview wrote nothing');
  const bad = await t.ok('exports:preview', { selection: { resultIds: approved }, preset: { template: '{sku}/../../{seed}' }, target: { projectFolder: 'x' } });
  assert.equal(bad.refused.length, 3);
  assert.match(bad.refused[0]!.reason, /\.\./);
  const unknown = await t.ok('exports:preview', { selection: { resultIds: approved }, preset: { template: '{sku}_{colour}' }, target: { projectFolder: 'x' } });
  assert.match(unknown.error!, /unknown token \{colour\}/);
});

test('run: resized, sRGB JPEGs with XMP (source type, generator, settings) and a manifest with release coverage', async () => {
  const preset = (await t.ok('exports:presets')).presets[0]!;
  const before = t.eventsOf('exports:progress').length;
  const out = await t.ok('exports:run', { selection: { filter: { reviewStatus: 'approved' } }, presetId: preset.id, target: { projectFolder: 'season' }, name: 'Spring web' });
  assert.deepEqual(out.target, { kind: 'folder', path: 'exports/season' });
  const dir = join(projectDir, 'exports', 'season');
  const files = out.files.map((f) => f.fileName);
  assert.deepEqual(listFiles(dir), [...files, 'Spring-web-manifest.csv', 'Spring-web-manifest.json'].sort());
  const p = t.host.projects.require();
  for (const f of out.files) {
    const bytes = readFileSync(join(dir, f.fileName));
    const m = await sharp(bytes).metadata();
    assert.deepEqual([m.format, m.width, m.height, m.space], ['jpeg', 120, 160, 'srgb']);
    const prov = (await readProvenance(bytes))!;
    const record = p.results.get(f.resultId)!.record as { seed: number; settings: { repaint: boolean } };
    assert.equal(prov.digitalSourceType, record.settings.repaint ? DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia : DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia);
    assert.equal(prov.generator.name, GENERATOR_NAME);
    assert.deepEqual([prov.checkpoint.name, prov.checkpoint.licence], ['Leffa tiny', 'MIT']);
    assert.equal(readXmpProperty(prov.xmp, NS.leffa, 'Label'), 'AI-generated');
    const settings = JSON.parse(readXmpProperty(prov.xmp, NS.leffa, 'GenerationSettings')!) as { seed: number; settings: unknown };
    assert.equal(settings.seed, record.seed);
    assert.deepEqual(settings.settings, record.settings);
  }
  // The manifest: one row per file, with the model release that covers it.
  const json = JSON.parse(readFileSync(join(dir, 'Spring-web-manifest.json'), 'utf8')) as { files: ExportManifestRow[]; releaseCheck: { channel: string } };
  assert.equal(json.releaseCheck.channel, 'ecommerce');
  assert.deepEqual(json.files.map((r) => [r.fileName, r.resultId, r.sku, r.colourway, r.model, r.view, r.seed, r.checkpoint]), out.files.map((f, i) => [f.fileName, approved[i], i < 2 ? 'TS-001' : 'TS-002', i < 2 ? 'Navy' : 'Red/White', 'Ava', 'front', 7, 'Leffa tiny']));
  const release = p.releases.list(results[0]!.modelPhotoId)[0]!;
  assert.ok(json.files.every((r) => r.release.status === 'ok' && r.release.releaseId === release.id && r.release.subject === 'Ava Model'));
  const csv = readFileSync(join(dir, 'Spring-web-manifest.csv'), 'utf8').trim().split('\r\n');
  assert.equal(csv.length, 4);
  assert.match(csv[0]!, /^file_name,result_id,sku,colourway,model,view,seed,checkpoint,checkpoint_licence,settings,.*release_status,release_id,release_subject/);
  assert.ok(csv[1]!.startsWith(`TS-001_Navy_Ava_front_7.jpg,${approved[0]},TS-001,Navy,Ava,front,7,Leffa tiny,MIT,"{""steps"":1`), csv[1]);
  assert.match(csv[1]!, new RegExp(`,ok,${release.id},Ava Model,`));
  // Recorded with its items; the release manifest of the record agrees.
  const listed = (await t.ok('exports:list', {})).exports;
  assert.deepEqual(listed.map((e) => [e.id, e.name, e.targetDir, e.presetName, e.fileCount]), [[out.exportId, 'Spring web', 'exports/season', 'web 3:4', 3]]);
  assert.deepEqual(p.releases.exportManifestFor(out.exportId, { channel: 'ecommerce' }).entries.map((e) => e.fileName).sort(), [...files].sort());
  const progress = t.eventsOf('exports:progress').slice(before);
  assert.deepEqual(progress.filter((e) => e.phase === 'rendering').map((e) => e.done), [0, 1, 2]);
  assert.equal(progress.at(-1)!.phase, 'done');
  firstRun = { files, rows: out.rows };
});

test('a second export with the same names is suffixed (and says so), or refused with nothing written', async () => {
  const preset = (await t.ok('exports:presets')).presets[0]!;
  const dir = join(projectDir, 'exports', 'season');
  const pv = await t.ok('exports:preview', { selection: { filter: {} }, presetId: preset.id, target: { projectFolder: 'season' } });
  assert.deepEqual(pv.conflicts.sort(), [...firstRun.files].sort());
  const beforeFiles = listFiles(dir);
  await t.fails('exports:run', { selection: { filter: {} }, presetId: preset.id, target: { projectFolder: 'season' }, name: 'Spring web', onConflict: 'refuse' }, 'conflict', /already has 3 of these file names/);
  assert.deepEqual(listFiles(dir), beforeFiles, 'refused: nothing written');
  const out = await t.ok('exports:run', { selection: { filter: {} }, presetId: preset.id, target: { projectFolder: 'season' }, name: 'Spring web' });
  assert.deepEqual(out.files.map((f) => f.fileName), ['TS-001_Navy_Ava_front_7-3.jpg', 'TS-001_Navy_Ava_front_7-4.jpg', 'TS-002_Red-White_Ava_front_7-2.jpg']);
  assert.ok(out.warnings.some((w) => /clashed and was suffixed/.test(w)));
  assert.deepEqual(out.manifestFiles, { csv: 'Spring-web-manifest-2.csv', json: 'Spring-web-manifest-2.json' });
  for (const f of firstRun.files) assert.ok(beforeFiles.includes(f) && existsSync(join(dir, f)), 'the first export is untouched');
});

test('a failure mid-export (an unreadable result image) leaves no partial files and no record', async () => {
  const p = t.host.projects.require();
  const exportsBefore = p.exports.list().length;
  const blob = p.blobPath(p.results.get(approved[1]!)!.blobHash);
  renameSync(blob, `${blob}.away`);
  try {
    await t.fails('exports:run', { selection: { resultIds: approved }, preset: { format: 'png', template: 'atomic_{index}' }, target: { projectFolder: 'atomic' } }, 'not_found', /is missing from the project's blobs folder; nothing was exported/);
  } finally {
    renameSync(`${blob}.away`, blob);
  }
  assert.deepEqual(listFiles(join(projectDir, 'exports', 'atomic')), [], 'no files, no staging folder');
  assert.equal(p.exports.list().length, exportsBefore, 'no record');
});

test('a file that appears in the folder during the export is never overwritten: the export rolls back', async () => {
  const p = t.host.projects.require();
  const dir = join(projectDir, 'exports', 'race');
  const exportsBefore = p.exports.list().length;
  await assert.rejects(runExport(p, {
    name: 'Race', resultIds: approved, preset: ExportPresetSpec.parse({ format: 'png', template: 'race_{index}' }), target: { kind: 'folder', dir, external: false },
    afterFile: (i) => { if (i === 1) writeFileSync(join(dir, 'race_002.png'), 'someone else'); },
  }), /race_002\.png appeared in the target folder/);
  assert.deepEqual(listFiles(dir), ['race_002.png']);
  assert.equal(readFileSync(join(dir, 'race_002.png'), 'utf8'), 'someone else');
  assert.equal(p.exports.list().length, exportsBefore);
});

test('zip: the files and manifest in one archive inside the project; WebP with XMP', async () => {
  const out = await t.ok('exports:run', { selection: { resultIds: approved.slice(0, 2) }, preset: { format: 'webp', size: { width: 64, height: 64 }, template: '{sku}_{index}' }, target: { zip: 'drop' }, name: 'Drop' });
  assert.deepEqual(out.target, { kind: 'zip', path: 'exports/drop.zip' });
  const f = new RandomAccessFile(join(projectDir, 'exports', 'drop.zip'), 'zip');
  try {
    const zip = new ZipArchive(f, 'zip');
    assert.deepEqual(zip.entries.map((e) => e.name).sort(), ['Drop-manifest.csv', 'Drop-manifest.json', 'TS-001_001.webp', 'TS-001_002.webp']);
    const entry = zip.get('TS-001_001.webp')!;
    const bytes = Buffer.from(zip.readAll(entry, 10_000_000));
    assert.deepEqual([(await sharp(bytes).metadata()).format, (await sharp(bytes).metadata()).width], ['webp', 64]);
    assert.equal((await readProvenance(bytes))?.generator.name, GENERATOR_NAME);
  } finally {
    f.close();
  }
  const again = await t.ok('exports:run', { selection: { resultIds: approved.slice(0, 1) }, preset: { template: '{sku}' }, target: { zip: 'drop' }, name: 'Drop' });
  assert.equal(again.target.path, 'exports/drop-2.zip', 'an existing zip is not replaced');
  // What serve mode's download route hands out: only plain .zip names under exports/.
  const p = t.host.projects.require();
  assert.equal(exportDownload(p, 'drop.zip')?.size, readFileSync(join(projectDir, 'exports', 'drop.zip')).length);
  for (const bad of ['../drop.zip', 'season', 'nope.zip', '/etc/passwd.zip', 'CON.zip']) assert.equal(exportDownload(p, bad), null, bad);
});

test('a folder picked with the desktop dialog (outside the project) is written and recorded by its absolute path', async () => {
  const outside = join(t.dir, 'picked-folder');
  mkdirSync(outside);
  const ref = await t.host.files.grantPath(outside, 'folder');
  const out = await t.ok('exports:run', { selection: { resultIds: approved.slice(0, 2) }, preset: { format: 'png', template: 'look_{index}' }, target: { folder: ref.id }, name: 'Picked' });
  assert.deepEqual(out.target, { kind: 'folder', path: outside });
  assert.deepEqual(listFiles(outside), ['Picked-manifest.csv', 'Picked-manifest.json', 'look_001.png', 'look_002.png']);
  assert.equal(t.host.projects.require().exports.get(out.exportId)!.targetDir, outside);
});

test('strip: no metadata in the files, the warning comes back', async () => {
  const out = await t.ok('exports:run', { selection: { resultIds: approved.slice(0, 1) }, preset: { format: 'png', strip: true, template: 'clean_{result}' }, target: { projectFolder: 'clean' } });
  assert.ok(out.warnings.some((w) => /no longer carries the machine-readable marking/.test(w)));
  assert.equal(await readProvenance(readFileSync(join(projectDir, 'exports', 'clean', out.files[0]!.fileName))), null);
  assert.equal(out.rows[0]!.stripped, true);
});

test('C2PA: credentials set once in the app data folder; signed exports validate, one edited byte fails', async () => {
  assert.deepEqual(await t.ok('exports:signing'), { configured: false, alg: null, subject: null });
  await t.fails('exports:run', { selection: { resultIds: approved.slice(0, 1) }, preset: { format: 'png', c2pa: true, template: 'signed_{result}' }, target: { projectFolder: 'signed' } }, 'validation', /no signing certificate is set/);
  const signer = pki.issue('Studio North signer', 'ec');
  const certDir = join(t.dir, 'certs');
  mkdirSync(certDir);
  writeFileSync(join(certDir, 'chain.pem'), signer.certChainPem);
  writeFileSync(join(certDir, 'key.pem'), signer.privateKeyPem);
  const status = await t.ok('exports:setSigning', { cert: await t.grant(join(certDir, 'chain.pem')), key: await t.grant(join(certDir, 'key.pem')), alg: 'es256' });
  assert.equal(status.configured, true);
  assert.match(status.subject!, /CN=Studio North signer/);
  assert.ok(existsSync(join(t.dir, 'data', 'c2pa', 'key.pem')), 'kept in the app data folder');
  await t.fails('exports:setSigning', { cert: await t.grant(join(certDir, 'chain.pem')), key: await t.grant(join(certDir, 'key.pem')), alg: 'ps256' }, 'validation', /ec key/);

  const out = await t.ok('exports:run', { selection: { resultIds: approved.slice(0, 2) }, preset: { format: 'png', c2pa: true, template: 'signed_{result}' }, target: { projectFolder: 'signed' }, name: 'Signed' });
  const dir = join(projectDir, 'exports', 'signed');
  for (const f of out.files) {
    const bytes = readFileSync(join(dir, f.fileName));
    const v = await verifyC2pa(bytes, 'png', { trustAnchorsPem: pki.rootPem });
    assert.equal(v.state, 'Trusted', JSON.stringify(v.failures));
    const rec = t.host.projects.require().results.get(f.resultId)!.record as { inputs: { person: { hash: string }; garment: { photoHash: string } } };
    assert.deepEqual(v.manifest!.ingredients.map((g) => g.sha256).sort(), [rec.inputs.person.hash, rec.inputs.garment.photoHash].sort());
    const edited = Buffer.from(bytes);
    edited[edited.indexOf('IDAT', 8, 'latin1') + 6] ^= 0x01;
    assert.equal((await verifyC2pa(edited, 'png')).state, 'Invalid');
  }
  // The key never reaches the project folder, an event or an answer.
  const keyBody = signer.privateKeyPem.split('\n')[1]!;
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const file of walk(projectDir)) assert.ok(!readFileSync(file).includes(keyBody), `${file} holds the key`);
  assert.ok(!JSON.stringify(t.events).includes(keyBody));
  assert.deepEqual(await t.ok('exports:clearSigning'), { configured: false, alg: null, subject: null });
});

test('a large export keeps the event loop free: sharp works in its threads, and the run yields between files', async () => {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 5);
  try {
    await t.ok('exports:run', { selection: { resultIds: approved }, preset: { format: 'png', size: { width: 2000, height: 2600 }, template: 'big_{index}' }, target: { projectFolder: 'big' } });
  } finally {
    clearInterval(timer);
  }
  assert.ok(worst < 400, `the event loop stalled for ${Math.round(worst)} ms`);
});

test('a channel the model release does not grant: flagged in the preview, refused, or exported on request with "refuse" in the manifest', async () => {
  const req = { selection: { resultIds: approved.slice(0, 1) }, preset: { format: 'png' as const, template: 'print_{result}', channel: 'print' }, target: { projectFolder: 'print' } };
  const pv = await t.ok('exports:preview', req);
  assert.equal(pv.releaseWarnings[0]?.status, 'refuse');
  assert.match(pv.releaseWarnings[0]!.messages.join(' '), /print/);
  await t.fails('exports:run', req, 'conflict', /outside their model release/);
  assert.equal(existsSync(join(projectDir, 'exports', 'print')), false);
  const out = await t.ok('exports:run', { ...req, allowReleaseRefusals: true });
  assert.equal(out.rows[0]!.release.status, 'refuse');
  assert.ok(out.rows[0]!.release.issues.length > 0);
});

test('refused templates and targets write nothing', async () => {
  await t.fails('exports:run', { selection: { resultIds: approved }, preset: { template: '../{sku}' }, target: { projectFolder: 'evil' } }, 'validation', /is refused because/);
  await t.fails('exports:run', { selection: { resultIds: approved }, preset: { template: 'CON' }, target: { projectFolder: 'evil' } }, 'validation', /no token/);
  await t.fails('exports:run', { selection: { resultIds: approved }, preset: { template: '{sku}' }, target: { projectFolder: '../outside' } }, 'validation', /target.projectFolder/);
  await t.fails('exports:run', { selection: { resultIds: approved }, preset: { template: '{sku}' }, target: { zip: 'C:evil' } }, 'validation', /drive letter/);
  assert.equal(existsSync(join(projectDir, 'exports', 'evil')), false);
  assert.equal(existsSync(join(projectDir, '..', 'outside')), false);
});
