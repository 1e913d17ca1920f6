// Electron main entry (bundled to dist/main/index.cjs): single-instance lock, security guards,
// the app:// protocol, the engine worker, IPC, menu and the main window. Wiring only; each piece
// lives in its own module.
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createApi } from './api/create-api.ts';
import { EngineHost } from './engine-host/host.ts';
import { registerIpcHandlers } from './ipc/register.ts';
import { installMenu } from './menu.ts';
import { registerAppScheme, serveRenderer } from './protocol.ts';
import { guardWebContents, hardenSession, openExternalIfAllowed } from './security.ts';
import { createMainWindow } from './window.ts';

// The bundle sits in dist/main/; the renderer and preload are built beside it.
const distDir = fileURLToPath(new URL('../', import.meta.url));
const rendererDir = join(distDir, 'renderer');
const preloadPath = join(distDir, 'preload', 'index.cjs');

registerAppScheme();
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;
let engine: EngineHost | null = null;

function openMainWindow(): void {
  mainWindow = createMainWindow({
    preloadPath,
    stateFile: join(app.getPath('userData'), 'window-state.json'),
    title: app.getName(),
  });
  mainWindow.on('closed', () => (mainWindow = null));
}

async function onReady(): Promise<void> {
  hardenSession(session.defaultSession);
  serveRenderer(session.defaultSession, rendererDir);
  engine = new EngineHost();
  const dispatch = createApi({ name: app.getName(), version: app.getVersion(), mode: 'electron', engine });
  registerIpcHandlers({
    ipcMain,
    dispatch,
    onRejectedSender: (channel, url) => console.warn(`[ipc] refused ${channel} from ${url ?? 'a destroyed frame'}`),
  });
  installMenu({
    appName: app.getName(),
    isMac: process.platform === 'darwin',
    isDev: !app.isPackaged,
    openExternal: (url) => void openExternalIfAllowed(url),
  });
  openMainWindow();
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the window; it is told via 'second-instance' and focuses itself.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) openMainWindow();
  });
  app.on('will-quit', (event) => {
    if (!engine) return;
    // Let the worker free its backend first, then quit for real.
    const closing = engine;
    engine = null;
    event.preventDefault();
    void closing.close({ timeoutMs: 2000 }).finally(() => app.quit());
  });
  app.whenReady().then(onReady).catch((err: unknown) => {
    console.error('[main] start-up failed:', err);
    app.exit(1);
  });
}
