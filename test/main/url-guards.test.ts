import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_INDEX_URL, isAppUrl } from '../../main/app-origin.ts';
import { isAllowedExternalUrl } from '../../main/external-links.ts';

test('isAppUrl accepts only app://leffa pages', () => {
  assert.equal(isAppUrl(APP_INDEX_URL), true);
  assert.equal(isAppUrl('app://leffa/assets/x.js?y#z'), true);
  for (const url of ['app://leffa.evil/', 'https://leffa/', 'app://LEFFA@evil/', 'javascript:alert(1)', 'not a url', undefined, null]) {
    assert.equal(isAppUrl(url), false, String(url));
  }
});

test('only https links to allow-listed hosts may open externally', () => {
  assert.equal(isAllowedExternalUrl('https://github.com/franciszzj/Leffa'), true);
  assert.equal(isAllowedExternalUrl('https://arxiv.org/abs/2412.08486'), true);
  for (const url of [
    'http://github.com/',
    'https://github.com.evil.example/',
    'https://evil.example/?github.com',
    'https://user@github.com/',
    'https://github.com:8443/',
    'file:///etc/passwd',
    'smb://github.com/share',
    'javascript:alert(1)',
    'garbage',
  ]) {
    assert.equal(isAllowedExternalUrl(url), false, url);
  }
});
