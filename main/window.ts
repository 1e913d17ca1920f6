// The main window: secure webPreferences written out in full, bounds restored from and saved to
// userData, shown only once its first frame is ready (no white flash).
import { BrowserWindow, screen } from 'electron';
import { APP_INDEX_URL } from './app-origin.ts';
import { fitToDisplays, loadWindowState, saveWindowState, type WindowState } from './window-state.ts';

export interface MainWindowOptions {
  preloadPath: string;
  stateFile: string;
  title: string;
}

function currentState(win: BrowserWindow): WindowState {
  // getNormalBounds: the size to come back to, even while maximized.
  const { x, y, width, height } = win.getNormalBounds();
  return { x, y, width, height, maximized: win.isMaximized() };
}

export function createMainWindow({ preloadPath, stateFile, title }: MainWindowOptions): BrowserWindow {
  const state = fitToDisplays(
    loadWindowState(stateFile),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: 640,
    minHeight: 480,
    title,
    show: false,
    backgroundColor: '#15171c',
    webPreferences: {
      // Reviewed: the preload exposes only window.app, one method per message (preload/bridge.ts).
      preload: preloadPath, // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      // Middle-click must not open windows either (Electronegativity AUXCLICK_JS_CHECK).
      disableBlinkFeatures: 'Auxclick',
    },
  });

  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });

  // Save on close, while the window still has bounds; a failed save must not block closing.
  win.on('close', () => {
    try {
      saveWindowState(stateFile, currentState(win));
    } catch (err) {
      console.error('[window] could not save window state:', err);
    }
  });

  void win.loadURL(APP_INDEX_URL);
  return win;
}
