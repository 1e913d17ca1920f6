// The renderer's only door to the host. Under Electron it wraps window.app (the preload); in a
// browser (serve mode) it wraps the WebSocket bridge. Either way callers get plain promises that
// reject with ApiCallError; nothing else in the renderer knows which host it is talking to.
import type { AppBridge, AppInfo, EngineInfo, Result } from '../../../preload/contract.ts';
import { ApiCallError } from './api-error.ts';
import { createSocketBridge, socketUrl } from './socket-bridge.ts';

export interface Api {
  info(): Promise<AppInfo>;
  engineInfo(): Promise<EngineInfo>;
}

function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new ApiCallError(result.error);
}

export function createApi(bridge: AppBridge): Api {
  return {
    info: async () => unwrap(await bridge.info()),
    engineInfo: async () => unwrap(await bridge.engineInfo()),
  };
}

/** The preload's bridge, if this page runs in Electron. Checked by shape, not mere presence. */
export function electronBridge(win: { app?: unknown }): AppBridge | null {
  const candidate = win.app as Partial<AppBridge> | undefined;
  return typeof candidate?.info === 'function' && typeof candidate.engineInfo === 'function' ? (candidate as AppBridge) : null;
}

let api: Api | null = null;

/** The app-wide Api, built on first use from whichever host this page is running in. */
export function getApi(): Api {
  api ??= createApi(electronBridge(window) ?? createSocketBridge({ url: socketUrl(window.location) }));
  return api;
}

export { ApiCallError };
