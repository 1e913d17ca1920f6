// Preload (bundled to dist/preload/index.cjs; sandboxed preloads must be CommonJS). Exposes one
// object, window.app, and nothing else: ipcRenderer itself never reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.ts';

contextBridge.exposeInMainWorld(
  'app',
  createBridge((channel, request) => ipcRenderer.invoke(channel, request)),
);
