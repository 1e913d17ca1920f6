// The application menu's template, without touching Electron at run time (type import only), so
// it is unit-tested. Roles give the platform-standard items; the Help links go through the same
// allow-listed openExternal as links in pages.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuOptions {
  appName: string;
  isMac: boolean;
  /** Developer tools only in unpackaged builds. */
  isDev: boolean;
  openExternal(url: string): void;
}

export const HELP_LINKS = [
  { label: 'Leffa Paper (arXiv)', url: 'https://arxiv.org/abs/2412.08486' },
  { label: 'Leffa Model (Hugging Face)', url: 'https://huggingface.co/franciszzj/Leffa' },
  { label: 'Leffa Code (GitHub)', url: 'https://github.com/franciszzj/Leffa' },
] as const;

export function menuTemplate({ appName, isMac, isDev, openExternal }: MenuOptions): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (isDev) view.unshift({ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' });
  return [
    ...(isMac ? [{ label: appName, role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    { label: '&File', submenu: [isMac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    { label: '&View', submenu: view },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: HELP_LINKS.map(({ label, url }) => ({ label, click: () => openExternal(url) })),
    },
  ];
}
