// Ambient types for the renderer: Svelte runes and *.svelte modules, Vite's import.meta, and the
// `window.app` object the preload exposes (absent in a plain browser, i.e. serve mode).
/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { AppBridge } from '../../preload/contract.ts';

declare global {
  interface Window {
    app?: AppBridge;
  }
}
