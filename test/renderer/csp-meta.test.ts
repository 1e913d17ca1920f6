import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { contentSecurityPolicy } from '../../main/csp.ts';

test("index.html's CSP meta tag matches the policy the hosts send as a header", () => {
  const html = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
  assert.ok(meta, 'index.html must carry a CSP meta tag');
  assert.equal(meta[1], contentSecurityPolicy({ forMeta: true }));
});

test('the policy allows no inline or remote script, and no framing', () => {
  const csp = contentSecurityPolicy();
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/);
  assert.match(csp, /frame-ancestors 'none'/);
});
