// Electron main entry (bundled to dist/main/index.cjs): single-instance lock, security guards,
// the app:// protocol, the engine worker, IPC, menu and the main window. Wiring only; each piece
// lives in its own module.
import { app, BrowserWindow, dialog, ipcMain, session, type OpenDialogOptions } from 'electron';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createHost, type Host } from './api/create-api.ts';
import { APP_ORIGIN } from './app-origin.ts';
import { EngineSupervisor } from './engine-host/supervisor.ts';
import { forwardEvents, registerIpcHandlers } from './ipc/register.ts';
import type { OpenDialogRequest } from './services/dialog-service.ts';
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
let engine: EngineSupervisor | null = null;
let host: Host | null = null;

const DIALOG_FILTERS: Record<OpenDialogRequest['purpose'], OpenDialogOptions['filters']> = {
  images: [{ name: 'Images', extensions: ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff'] }],
  checkpoint: [{ name: 'Checkpoints', extensions: ['safetensors', 'pth', 'bin', 'ckpt'] }],
  certificate: [{ name: 'PEM certificates and keys', extensions: ['pem', 'crt', 'cer', 'key'] }],
  folder: undefined,
  project: undefined,
};

/** The native open dialog, for `dialog:openFiles`: the only way a path from the user reaches main. */
async function showOpenDialog(request: OpenDialogRequest): Promise<string[]> {
  const folder = request.purpose === 'folder' || request.purpose === 'project';
  const options: OpenDialogOptions = {
    title: request.title ?? (folder ? 'Choose a folder' : 'Choose files'),
    properties: folder ? ['openDirectory', 'createDirectory'] : ['openFile', ...(request.multiple ? (['multiSelections'] as const) : [])],
    filters: DIALOG_FILTERS[request.purpose],
  };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? [] : result.filePaths;
}

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
  engine = new EngineSupervisor();
  host = createHost({
    name: app.getName(),
    version: app.getVersion(),
    mode: 'electron',
    engine,
    dataDir: app.getPath('userData'),
    blobUrl: (hash) => `${APP_ORIGIN}/blob/${hash}`,
    showOpenDialog,
    allowDroppedPaths: true,
  });
  // Starts the engine worker now (it loads its backend while the window opens) and pushes its status.
  void host.queue.engineStatus();
  const catalog = host.catalog;
  serveRenderer(session.defaultSession, rendererDir, (hash) => catalog.blob(hash));
  registerIpcHandlers({
    ipcMain,
    dispatch: host.dispatch,
    onRejectedSender: (channel, url) => console.warn(`[ipc] refused ${channel} from ${url ?? 'a destroyed frame'}`),
  });
  forwardEvents({ events: host.events, targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents) });
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
    // Stop the queue (the running cell goes back to the queue) and close the project, then let the
    // worker free its backend, then quit for real.
    const closing = engine;
    const closingHost = host;
    engine = null;
    host = null;
    event.preventDefault();
    void (closingHost?.close() ?? Promise.resolve())
      .catch((err: unknown) => console.error('[main] closing the project failed:', err))
      .then(() => closing.close())
      .finally(() => app.quit());
  });
  app.whenReady().then(onReady).catch((err: unknown) => {
    console.error('[main] start-up failed:', err);
    app.exit(1);
  });
}
