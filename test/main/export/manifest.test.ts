// The manifest's CSV: RFC 4180 quoting, JSON settings in one field, and no formula injection into spreadsheets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSV_COLUMNS, csvField, manifestCsv, manifestJson, type ExportManifest } from '../../../main/export/manifest.ts';

const manifest: ExportManifest = {
  format: 'leffa-studio-export/1', name: 'Drop', createdAt: '2026-01-01T00:00:00.000Z', preset: { format: 'jpeg' },
  releaseCheck: { date: '2026-01-01', channel: 'ecommerce', region: null }, warnings: [],
  files: [{
    fileName: 'a.jpg', resultId: 3, sku: '=HYPERLINK("x")', colourway: 'Navy, "deep"', model: 'Ava', view: 'front', seed: 7, checkpoint: 'Leffa tiny',
    checkpointLicence: 'MIT', settings: { steps: 2, repaint: false }, digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
    c2pa: false, stripped: false, release: { status: 'ok', releaseId: 4, subject: 'Ava Model', expiresOn: null, issues: ['a', 'b'] },
  }],
};

test('CSV: header, quoting, settings as JSON, formulas neutralised', () => {
  const lines = manifestCsv(manifest).split('\r\n');
  assert.equal(lines[0], CSV_COLUMNS.join(','));
  assert.equal(lines[1], `a.jpg,3,"'=HYPERLINK(""x"")","Navy, ""deep""",Ava,front,7,Leffa tiny,MIT,"{""steps"":2,""repaint"":false}",http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia,false,false,ok,4,Ava Model,,a; b`);
  assert.equal(lines[2], '');
  assert.equal(csvField(null), '');
  assert.equal(csvField('-1'), "'-1");
  assert.equal(csvField(-1), '-1', 'numbers are numbers');
});

test('JSON round-trips', () => {
  assert.deepEqual(JSON.parse(manifestJson(manifest)), manifest);
});
