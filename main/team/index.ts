// Public entry of the team queue. See README.md in this folder.
export type { BatchQueue } from './batch-queue.ts';
export { LocalBatchQueue } from './local-queue.ts';
export { TeamBatchQueue, type TeamBatchQueueOptions } from './team-queue.ts';
export { openBatchQueue, openWorkerTokens, type OpenBatchQueueOptions } from './open-queue.ts';
export { QueueSettings, readQueueSettings, writeQueueSettings, DEFAULT_QUEUE_NAME, type QueueSettingsInput } from './queue-settings.ts';
export { Coordinator, type CoordinatorOptions } from './coordinator.ts';
export { createCoordinatorHandler, type CoordinatorHandler } from './coordinator-http.ts';
export { WorkerTokens, type WorkerTokenInfo } from './worker-tokens.ts';
export type { WorkerStatus } from './worker-registry.ts';
export { cellKey, parseCellKey } from './cell-key.ts';
export { supervisorEngine, localRunCell, type CellEngine, type EngineCell } from './engine-cell.ts';
export { redisConnectionOptions } from './redis-options.ts';
export { runWorkerCommand, WORKER_HELP } from './worker-command.ts';
export { startCoordinatorServer, type CoordinatorServer } from './coordinator-server.ts';
export { testRedisConnection } from './redis-check.ts';
