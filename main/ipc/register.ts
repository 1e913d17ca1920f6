// Wires every API channel to ipcMain.handle, and host events to the pages. Takes ipcMain and the
// web contents as parameters (structurally typed, no Electron import) so tests drive them with fakes.
// Two checks before any handler runs: the sender frame must be one of our app:// pages, then
// dispatch() validates the payload with zod.
import type { Result } from '../../preload/contract.ts';
import { isAppUrl } from '../app-origin.ts';
import { CHANNELS } from '../api/schemas.ts';
import { ForbiddenError, toWireError } from '../api/errors.ts';
import type { Dispatch } from '../api/dispatch.ts';
import type { EventHub } from '../services/events.ts';

/** The part of Electron's IpcMainInvokeEvent we rely on. */
export interface InvokeEventLike {
  senderFrame: { url: string } | null;
}

/** The part of Electron's ipcMain we rely on. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface RegisterIpcOptions {
  ipcMain: IpcMainLike;
  dispatch: Dispatch;
  /** Defaults to isAppUrl; a test or a future second window may widen it. */
  isTrustedUrl?: (url: string) => boolean;
  onRejectedSender?: (channel: string, url: string | undefined) => void;
}

/** Registers one handler per channel; returns a function that removes them all again. */
export function registerIpcHandlers(opts: RegisterIpcOptions): () => void {
  const isTrusted = opts.isTrustedUrl ?? isAppUrl;
  for (const channel of CHANNELS) {
    opts.ipcMain.handle(channel, async (event, ...args): Promise<Result<unknown>> => {
      // senderFrame is null when the frame navigated away or was destroyed mid-call.
      const url = event.senderFrame?.url;
      if (url === undefined || !isTrusted(url)) {
        opts.onRejectedSender?.(channel, url);
        return { ok: false, error: toWireError(new ForbiddenError(`'${channel}' refused: sender ${JSON.stringify(url ?? null)} is not an app page`)) };
      }
      // One options object per call; extra arguments are a caller bug, so they fail validation.
      const payload = args.length > 1 ? args : args[0];
      return opts.dispatch(channel, payload);
    });
  }
  return () => {
    for (const channel of CHANNELS) opts.ipcMain.removeHandler(channel);
  };
}

/** The part of Electron's WebContents events are pushed through. */
export interface WebContentsLike {
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, payload: unknown): void;
}

export interface ForwardEventsOptions {
  events: Pick<EventHub, 'subscribe'>;
  /** The pages to push to (Electron: every window's webContents). */
  targets: () => WebContentsLike[];
  isTrustedUrl?: (url: string) => boolean;
}

/**
 * Pushes every host event to our pages (`webContents.send(event, payload)`; the preload hands the
 * payload alone to `window.app.on` listeners). Pages that are not app:// pages get nothing.
 * Returns the unsubscribe function.
 */
export function forwardEvents(opts: ForwardEventsOptions): () => void {
  const isTrusted = opts.isTrustedUrl ?? isAppUrl;
  return opts.events.subscribe((event, payload) => {
    for (const contents of opts.targets()) {
      if (contents.isDestroyed() || !isTrusted(contents.getURL())) continue;
      contents.send(event, payload);
    }
  });
}
