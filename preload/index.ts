// Preload (bundled to dist/preload/index.cjs; sandboxed preloads must be CommonJS). Exposes one
// object, window.app, and nothing else: ipcRenderer itself never reaches the page, and neither do
// IPC event objects (listeners get the payload only).
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { Result } from './contract.ts';
import { createBridge, isEventName } from './bridge.ts';

contextBridge.exposeInMainWorld(
  'app',
  createBridge((channel, request) => ipcRenderer.invoke(channel, request), {
    subscribe: (event, listener) => {
      if (!isEventName(event)) return () => {};
      const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
      ipcRenderer.on(event, handler);
      return () => {
        ipcRenderer.removeListener(event, handler);
      };
    },
    // Dropped or chosen File objects: their real paths are read here, never typed by the page.
    fileRefs: (files) => {
      const paths = Array.from(files, (file) => webUtils.getPathForFile(file)).filter((p) => p !== '');
      return ipcRenderer.invoke('files:dropped', { paths }) as Promise<Result<never>>;
    },
  }),
);
