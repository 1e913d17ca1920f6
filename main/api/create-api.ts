// Builds the whole API (services -> handlers -> dispatch) for a host. Electron main and serve mode
// both call this, so they answer every channel identically.
import type { HostMode } from '../../preload/contract.ts';
import { createAppInfoService, type EngineInfoSource } from '../services/app-info.ts';
import { createDispatch, type Dispatch } from './dispatch.ts';
import { createHandlers } from './handlers.ts';

export interface CreateApiOptions {
  name: string;
  version: string;
  mode: HostMode;
  engine: EngineInfoSource;
  log?: (message: string, err?: unknown) => void;
}

export function createApi({ name, version, mode, engine, log = console.error }: CreateApiOptions): Dispatch {
  const appInfo = createAppInfoService({ name, version, mode, engine });
  return createDispatch({
    handlers: createHandlers({ appInfo }),
    onInternalError: (channel, err) => log(`[api] ${channel} failed`, err),
  });
}
