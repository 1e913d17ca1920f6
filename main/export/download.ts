// Serve mode's zip download: the archive an export wrote inside the project (exports/<name>.zip), found by
// its file name only. Meant for a route such as GET /exports/<name>.zip behind the launch token (the server
// wires it: main/serve/server.ts); anything but a plain .zip file name under exports/ is not served.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../store/project.ts';
import { unsafeNameReason } from './naming.ts';

export const EXPORTS_DIR = 'exports';

export interface ExportDownload {
  path: string;
  size: number;
  mediaType: 'application/zip';
  fileName: string;
}

export function exportDownload(project: Project | null, fileName: string): ExportDownload | null {
  if (!project || typeof fileName !== 'string' || !fileName.toLowerCase().endsWith('.zip') || unsafeNameReason(fileName)) return null;
  const path = join(project.dir, EXPORTS_DIR, fileName);
  try {
    const st = statSync(path);
    return st.isFile() ? { path, size: st.size, mediaType: 'application/zip', fileName } : null;
  } catch {
    return null;
  }
}
