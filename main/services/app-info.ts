// What the app is and what it runs on. No Electron imports: the Electron IPC handlers and serve
// mode both build this service, each passing in what only it knows (name, version, mode).
import type { AppInfo, EngineInfo, HostMode } from '../../preload/contract.ts';

/** Anything that can say which tensor backend the engine chose (the engine host, or a fake). */
export interface EngineInfoSource {
  info(): Promise<EngineInfo>;
}

export interface AppInfoServiceOptions {
  name: string;
  version: string;
  mode: HostMode;
  engine: EngineInfoSource;
  /** Defaults to this process's versions; tests pass their own. */
  versions?: Partial<Record<'node' | 'electron' | 'chrome', string>>;
  platform?: string;
  arch?: string;
}

export interface AppInfoService {
  info(): AppInfo;
  engineInfo(): Promise<EngineInfo>;
}

export function createAppInfoService(opts: AppInfoServiceOptions): AppInfoService {
  const versions = opts.versions ?? (process.versions as AppInfoServiceOptions['versions'] & object);
  const runtime: AppInfo['runtime'] = {
    node: versions.node ?? 'unknown',
    platform: opts.platform ?? process.platform,
    arch: opts.arch ?? process.arch,
  };
  // Only present under Electron; leaving the keys out keeps serve mode's answer honest.
  if (versions.electron) runtime.electron = versions.electron;
  if (versions.chrome) runtime.chrome = versions.chrome;
  const info: AppInfo = { name: opts.name, version: opts.version, mode: opts.mode, runtime };
  return {
    info: () => structuredClone(info),
    engineInfo: () => opts.engine.info(),
  };
}
