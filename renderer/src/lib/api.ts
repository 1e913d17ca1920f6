// The renderer's only door to the host. Under Electron it wraps window.app (the preload); in a
// browser (serve mode) it wraps the WebSocket bridge. Either way callers get plain promises that
// reject with ApiCallError; nothing else in the renderer knows which host it is talking to.
//
//   const api = getApi();
//   const page = await api.call('garments:list', { text: 'shirt' });
//   const off = api.on('queue:event', (e) => { if (e.type === 'progress') ... });
//   <img src={api.blobUrl(garment.coverHash)}>
//   const refs = await api.fileRefs(input.files);           // <input type=file> or a drop, both hosts
//   await api.call('models:import', { items: refs.map((f) => ({ file: f.id })) });
import type {
  AppBridge, AppInfo, BridgeChannels, Channel, EngineInfo, EventName, EventSpec, FileRef, HostMode, OpenFilesPurpose,
  RequestOf, ResponseOf, Result,
} from '../../../preload/contract.ts';
import { BRIDGE_CHANNELS } from './bridge-channels.ts';
import { ApiCallError } from './api-error.ts';
import { createSocketBridge, socketUrl } from './socket-bridge.ts';

export interface Api {
  /** Which host answers: 'electron' (window.app) or 'serve' (WebSocket). */
  readonly mode: HostMode;
  info(): Promise<AppInfo>;
  engineInfo(): Promise<EngineInfo>;
  /** Calls any channel of the contract; rejects with ApiCallError on failure. */
  call<C extends Channel>(channel: C, request?: RequestOf<C>): Promise<ResponseOf<C>>;
  /** Subscribes to a pushed event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventSpec[E]) => void): () => void;
  /** Where an <img> loads a stored image from (same origin in both hosts). */
  blobUrl(hash: string): string;
  /**
   * FileRefs for File objects from an <input type=file> or a drop. Electron: the preload reads their
   * paths; serve mode: each is uploaded (POST /upload). Import calls then take `ref.id`.
   */
  fileRefs(files: ArrayLike<File>): Promise<FileRef[]>;
  /** Electron: the native open dialog (empty when cancelled). Serve mode: null; use an <input type=file>. */
  openFiles(request: { purpose: OpenFilesPurpose; multiple?: boolean; title?: string }): Promise<FileRef[] | null>;
}

function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new ApiCallError(result.error);
}

/** channel -> bridge method, built once from the method -> channel map each bridge carries. */
const METHOD_OF: Record<string, keyof BridgeChannels> = {};

function methodFor(channel: Channel): keyof BridgeChannels {
  if (Object.keys(METHOD_OF).length === 0) {
    for (const [method, ch] of Object.entries(BRIDGE_CHANNELS)) METHOD_OF[ch] = method as keyof BridgeChannels;
  }
  const method = METHOD_OF[channel];
  if (!method) throw new ApiCallError({ name: 'NotFoundError', message: `unknown channel ${JSON.stringify(channel)}`, kind: 'not_found' });
  return method;
}

export interface CreateApiOptions {
  mode?: HostMode;
  /** Serve mode's upload (tests pass a fake); default: fetch POST /upload on this origin. */
  upload?: (file: File) => Promise<FileRef>;
}

/** Weights files go through the host's checkpoint check, everything else through its image check. */
const CHECKPOINT_FILE = /\.(safetensors|pth|bin|ckpt)$/i;
/** Certificates and keys for C2PA signing (exports:setSigning). */
const PEM_FILE = /\.(pem|crt|cer|key)$/i;

/** POST /upload with the file as the raw body; the token travels in the session cookie. */
export async function uploadFile(file: File, fetchImpl: typeof fetch = fetch): Promise<FileRef> {
  let res: Response;
  // .zip: a zipped base config folder; .pem and the like: a signing certificate or key.
  const kind = CHECKPOINT_FILE.test(file.name) ? '&kind=checkpoint' : /\.zip$/i.test(file.name) ? '&kind=base' : PEM_FILE.test(file.name) ? '&kind=pem' : '';
  try {
    res = await fetchImpl(`/upload?name=${encodeURIComponent(file.name)}${kind}`, {
      method: 'POST',
      body: file,
      headers: { 'Content-Type': file.type || 'application/octet-stream' },
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new ApiCallError({ name: 'ConnectionError', message: `upload of ${file.name} failed: ${(err as Error).message}`, kind: 'unavailable' });
  }
  let result: Result<FileRef>;
  try {
    result = (await res.json()) as Result<FileRef>;
  } catch {
    throw new ApiCallError({ name: 'UploadError', message: `upload of ${file.name} failed: HTTP ${res.status}`, kind: res.status >= 500 ? 'internal' : 'validation' });
  }
  return unwrap(result);
}

export function createApi(bridge: AppBridge, opts: CreateApiOptions = {}): Api {
  const mode: HostMode = opts.mode ?? (typeof bridge.fileRefs === 'function' ? 'electron' : 'serve');
  const upload = opts.upload ?? ((file: File) => uploadFile(file));
  const invoke = bridge as unknown as Record<keyof BridgeChannels, (request?: unknown) => Promise<Result<unknown>>>;
  return {
    mode,
    info: async () => unwrap(await bridge.info()),
    engineInfo: async () => unwrap(await bridge.engineInfo()),
    call: async <C extends Channel>(channel: C, request?: RequestOf<C>) =>
      unwrap(await invoke[methodFor(channel)](request ?? {})) as ResponseOf<C>,
    on: (event, listener) => (typeof bridge.on === 'function' ? bridge.on(event, listener) : () => {}),
    blobUrl: (hash) => `/blob/${encodeURIComponent(hash)}`,
    fileRefs: async (files) => {
      const list = Array.from(files);
      if (list.length === 0) return [];
      if (bridge.fileRefs) return unwrap(await bridge.fileRefs(list)).files;
      const refs: FileRef[] = [];
      for (const file of list) refs.push(await upload(file));
      return refs;
    },
    openFiles: async (request) => (mode === 'electron' ? unwrap(await bridge.openFiles(request)).files : null),
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
  if (!api) {
    const electron = electronBridge(window);
    api = electron ? createApi(electron, { mode: 'electron' }) : createApi(createSocketBridge({ url: socketUrl(window.location) }), { mode: 'serve' });
  }
  return api;
}

export { ApiCallError };
