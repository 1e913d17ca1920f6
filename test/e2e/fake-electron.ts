// A stand-in for the `electron` module, recording what the main bundle does with it, so the built
// dist/main/index.cjs can be started under plain Node (there is no Electron binary in CI).
import { EventEmitter } from 'node:events';

type Handler = (...args: unknown[]) => unknown;

export class FakeWebContents extends EventEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
}

export function createFakeElectron({ singleInstance = true } = {}) {
  const calls: string[] = [];
  const appEvents = new EventEmitter();
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const windows: FakeBrowserWindow[] = [];
  const ipcHandlers = new Map<string, Handler>();
  const opened: string[] = [];
  const state = {
    protocolHandler: null as ((request: Request) => Promise<Response>) | null,
    headersListener: null as Handler | null,
    permissionHandler: null as Handler | null,
    menu: null as unknown,
    privilegedSchemes: [] as unknown[],
  };

  class FakeBrowserWindow extends EventEmitter {
    static getAllWindows = () => windows;
    options: Record<string, unknown>;
    url = '';
    shown = false;
    webContents = new FakeWebContents();
    constructor(options: Record<string, unknown>) {
      super();
      this.options = options;
      windows.push(this);
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
    show() {
      this.shown = true;
    }
    maximize() {}
    isMaximized = () => false;
    isMinimized = () => false;
    restore() {}
    focus() {}
    getNormalBounds = () => ({ x: 10, y: 10, width: 900, height: 700 });
  }

  const module = {
    app: {
      on: (event: string, fn: Handler) => appEvents.on(event, fn),
      requestSingleInstanceLock: () => (calls.push('requestSingleInstanceLock'), singleInstance),
      quit: () => calls.push('quit'),
      exit: (code: number) => calls.push(`exit ${code}`),
      enableSandbox: () => calls.push('enableSandbox'),
      whenReady: () => ready,
      isReady: () => true,
      isPackaged: false,
      getName: () => 'Leffa Studio',
      getVersion: () => '0.0.0-test',
      getPath: (name: string) => `/nonexistent/fake-userdata/${name}`,
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => {
        calls.push('registerSchemesAsPrivileged');
        state.privilegedSchemes = schemes;
      },
    },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (fn: Handler) => (state.headersListener = fn) },
        setPermissionRequestHandler: (fn: Handler) => (state.permissionHandler = fn),
        setPermissionCheckHandler: () => {},
        protocol: { handle: (_scheme: string, fn: (request: Request) => Promise<Response>) => (state.protocolHandler = fn) },
      },
    },
    BrowserWindow: FakeBrowserWindow,
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    ipcMain: {
      handle: (channel: string, fn: Handler) => ipcHandlers.set(channel, fn),
      removeHandler: (channel: string) => ipcHandlers.delete(channel),
    },
    Menu: {
      buildFromTemplate: (template: unknown) => template,
      setApplicationMenu: (menu: unknown) => (state.menu = menu),
    },
    shell: { openExternal: async (url: string) => void opened.push(url) },
  };

  return { module, calls, appEvents, markReady, windows, ipcHandlers, opened, state };
}
