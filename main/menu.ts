// Installs the application menu built by menu-template.ts.
import { Menu } from 'electron';
import { menuTemplate, type MenuOptions } from './menu-template.ts';

export function installMenu(opts: MenuOptions): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(opts)));
}
