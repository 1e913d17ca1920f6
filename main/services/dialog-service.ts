// Picking files: Electron's open dialog (injected by main/index.ts, since this folder has no Electron
// imports) and dropped File paths, both turned into FileRefs. Serve mode has neither: its pages
// upload through POST /upload, so these calls answer 'unavailable' there.
import type { FileRef, OpenFilesPurpose } from '../../preload/contract.ts';
import { UnavailableError } from '../api/errors.ts';
import type { FileRegistry } from './files.ts';

export interface OpenDialogRequest {
  purpose: OpenFilesPurpose;
  multiple?: boolean;
  title?: string;
}

/** Shows a native open dialog; resolves with the chosen absolute paths ([] when cancelled). */
export type ShowOpenDialog = (request: OpenDialogRequest) => Promise<string[]>;

export interface DialogServiceOptions {
  files: FileRegistry;
  showOpenDialog?: ShowOpenDialog;
  /** Electron: the preload resolves dropped File objects to paths. Off in serve mode. */
  allowDroppedPaths?: boolean;
}

export class DialogService {
  constructor(private readonly opts: DialogServiceOptions) {}

  async openFiles(request: OpenDialogRequest): Promise<{ files: FileRef[] }> {
    if (!this.opts.showOpenDialog) {
      throw new UnavailableError('there is no open dialog in the browser: choose files with the page\'s file picker, which uploads them (POST /upload)');
    }
    const paths = await this.opts.showOpenDialog(request);
    const expect = request.purpose === 'folder' || request.purpose === 'project' ? 'folder' : 'file';
    const files: FileRef[] = [];
    for (const path of request.multiple ? paths : paths.slice(0, 1)) files.push(await this.opts.files.grantPath(path, expect));
    return { files };
  }

  async dropped(paths: string[]): Promise<{ files: FileRef[] }> {
    if (!this.opts.allowDroppedPaths) throw new UnavailableError('dropped file paths are only accepted from the desktop app; in the browser, upload files (POST /upload)');
    const files: FileRef[] = [];
    for (const path of paths) files.push(await this.opts.files.grantPath(path, 'any'));
    return { files };
  }
}
