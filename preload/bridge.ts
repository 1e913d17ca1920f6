// Builds the `window.app` object from an invoke function. One explicit method per message, so the
// page can reach exactly these channels and nothing else (no generic invoke, no ipcRenderer).
import type { AppBridge, BridgeChannels, Channel, Result } from './contract.ts';

export type Invoke = (channel: Channel, request: unknown) => Promise<Result<unknown>>;

/** Spelled out here and in the renderer's socket client; the type keeps both equal to the contract. */
export const BRIDGE_CHANNELS: BridgeChannels = { info: 'app:info', engineInfo: 'engine:info' };

export function createBridge(invoke: Invoke): AppBridge {
  const bridge: AppBridge = {
    info: (request = {}) => invoke(BRIDGE_CHANNELS.info, request) as ReturnType<AppBridge['info']>,
    engineInfo: (request = {}) => invoke(BRIDGE_CHANNELS.engineInfo, request) as ReturnType<AppBridge['engineInfo']>,
  };
  return Object.freeze(bridge);
}
