// Public API of the model manager (see README.md beside this file).
export { CATALOGUE, LEFFA_REPO, MODEL_CARD_FILE, getModel, knownModelIds, type CatalogueEntry, type ModelArch, type ModelKind } from './catalogue.ts';
export { BASE_CONFIG_FOLDER_NAMES, baseConfigFolder, defaultConfigsDir } from './base-configs.ts';
export { HubError, isHubError, type HubErrorCode } from './errors.ts';
export { resolveHubSettings, type HubSettings, type HubSettingsOptions } from './settings.ts';
export { downloadModels, findCachedModel, resolveModel, verify, type ManagerOptions, type ModelRecord, type VerifyResult } from './manager.ts';
export type { DownloadProgress, ProgressListener, ProgressPhase } from './progress.ts';
export { statfsFreeSpace, type FreeSpaceProbe } from './disk-space.ts';
export { licenceFromCard } from './model-card.ts';
export { runModelsCommand, type CommandIO } from './cli.ts';
