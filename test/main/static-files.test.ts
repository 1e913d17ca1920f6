import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveStaticPath } from '../../main/static-files.ts';

test('paths resolve inside the root; escapes and malformed escapes are refused', () => {
  assert.equal(resolveStaticPath('/srv/r', '/'), '/srv/r/index.html');
  assert.equal(resolveStaticPath('/srv/r', '/assets/a%20b.js'), '/srv/r/assets/a b.js');
  assert.equal(resolveStaticPath('/srv/r', '/a/../b.js'), '/srv/r/b.js');
  for (const bad of ['/../etc/passwd', '/..%2f..%2fetc', '/%E0%A4%A', '/a%00.js', '/..', '/../r2/x']) {
    assert.equal(resolveStaticPath('/srv/r', bad), null, bad);
  }
});
