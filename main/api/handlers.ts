// Channel -> service method. The only place that knows which service answers which message.
import type { AppInfoService } from '../services/app-info.ts';
import type { Handlers } from './dispatch.ts';

export interface HandlerServices {
  appInfo: AppInfoService;
}

export function createHandlers({ appInfo }: HandlerServices): Handlers {
  return {
    'app:info': () => appInfo.info(),
    'engine:info': () => appInfo.engineInfo(),
  };
}
