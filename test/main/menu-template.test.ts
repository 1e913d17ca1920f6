import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HELP_LINKS, menuTemplate } from '../../main/menu-template.ts';
import { isAllowedExternalUrl } from '../../main/external-links.ts';

const roles = (items: ReturnType<typeof menuTemplate>) => JSON.stringify(items);

test('every Help link is on the external allow-list and opens through openExternal', () => {
  const opened: string[] = [];
  const template = menuTemplate({ appName: 'Leffa Studio', isMac: false, isDev: false, openExternal: (u) => opened.push(u) });
  const help = template.find((item) => item.role === 'help');
  assert.ok(help && Array.isArray(help.submenu));
  for (const item of help.submenu) (item.click as () => void)();
  assert.deepEqual(opened, HELP_LINKS.map((l) => l.url));
  assert.ok(opened.every(isAllowedExternalUrl));
});

test('developer tools and reload appear only in development builds', () => {
  assert.doesNotMatch(roles(menuTemplate({ appName: 'A', isMac: false, isDev: false, openExternal: () => {} })), /toggleDevTools|"reload"/);
  assert.match(roles(menuTemplate({ appName: 'A', isMac: false, isDev: true, openExternal: () => {} })), /toggleDevTools/);
});

test('macOS gets the app menu; other platforms quit from File', () => {
  assert.match(roles(menuTemplate({ appName: 'A', isMac: true, isDev: false, openExternal: () => {} })), /appMenu/);
  assert.match(roles(menuTemplate({ appName: 'A', isMac: false, isDev: false, openExternal: () => {} })), /"quit"/);
});
