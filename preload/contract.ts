// The API contract between the renderer and its host (Electron main through the preload, or serve
// mode over WebSocket). Types only: main, preload and renderer import it with `import type`, so no
// code crosses a layer boundary. Runtime checks live in main/api/schemas.ts.

/** Where the renderer is running: inside Electron, or in a browser talking to `npm run serve`. */
export type HostMode = 'electron' | 'serve';

export interface AppInfo {
  /** Product name, e.g. "Leffa Studio". */
  name: string;
  /** The app's semver from package.json. */
  version: string;
  mode: HostMode;
  runtime: {
    node: string;
    /** Electron and Chrome versions; absent in serve mode. */
    electron?: string;
    chrome?: string;
    platform: string;
    arch: string;
  };
}

/** The TF.js backend the engine worker chose (mirrors models/backend's BackendInfo). */
export interface EngineInfo {
  /** tf.getBackend(): 'tensorflow' | 'wasm' | 'cpu'. */
  backend: string;
  /** What was asked for ('auto', 'wasm', ...). */
  requested: string;
  /** npm package that provides the backend. */
  package: string;
  threads?: number;
  threaded?: boolean;
  /** Why preferred backends were skipped, in order. */
  fallbackReasons: string[];
}

/**
 * Why a call failed. validation: the payload did not match its schema; not_found: unknown channel
 * or missing thing; forbidden: the caller is not our app; unavailable: a service (e.g. the engine
 * worker) is down; internal: a bug or unexpected failure.
 */
export type ErrorKind = 'validation' | 'not_found' | 'forbidden' | 'unavailable' | 'internal';

/** An error as it crosses a process boundary: plain data, no stack. */
export interface WireError {
  name: string;
  message: string;
  kind: ErrorKind;
}

/** Every call resolves to a Result; the renderer's api module turns failures back into throws. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** Every message: channel -> request (always one options object) and response. */
export interface ApiSpec {
  'app:info': { request: Record<string, never>; response: AppInfo };
  'engine:info': { request: Record<string, never>; response: EngineInfo };
}

export type Channel = keyof ApiSpec;
export type RequestOf<C extends Channel> = ApiSpec[C]['request'];
export type ResponseOf<C extends Channel> = ApiSpec[C]['response'];

/** Bridge method name -> channel. Preload and the WebSocket client each spell this map out, typed. */
export interface BridgeChannels {
  info: 'app:info';
  engineInfo: 'engine:info';
}

/** What the preload exposes as `window.app`: one method per message, each resolving to a Result. */
export type AppBridge = {
  [M in keyof BridgeChannels]: (
    request?: RequestOf<BridgeChannels[M]>,
  ) => Promise<Result<ResponseOf<BridgeChannels[M]>>>;
};
