// Opens the queue a project's settings ask for (queue-settings.ts): local by default, the team queue
// when the project names a Redis URL. The caller supplies the local runCell (the engine), since only
// the local queue runs cells in this process.
import { join } from 'node:path';
import { JobStore } from '../queue/job-store.ts';
import type { RunCell } from '../queue/runner.ts';
import type { Project } from '../store/project.ts';
import type { BatchQueue } from './batch-queue.ts';
import { LocalBatchQueue, type LocalBatchQueueOptions } from './local-queue.ts';
import { readQueueSettings, redisPassword, TEAM_DIR } from './queue-settings.ts';
import { redisConnectionOptions } from './redis-options.ts';
import { TeamBatchQueue } from './team-queue.ts';
import { WorkerTokens } from './worker-tokens.ts';

export const TOKENS_FILE = 'workers.json';

export interface OpenBatchQueueOptions {
  runCell: RunCell;
  jobs?: JobStore;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** The local queue's runner options and engine description. */
  local?: LocalBatchQueueOptions;
}

export function openWorkerTokens(project: Project): WorkerTokens {
  return WorkerTokens.open(join(project.dir, TEAM_DIR, TOKENS_FILE));
}

export function openBatchQueue(project: Project, options: OpenBatchQueueOptions): BatchQueue {
  const jobs = options.jobs ?? new JobStore(project);
  const settings = readQueueSettings(project.dir);
  if (settings.kind === 'local') return new LocalBatchQueue(jobs, options.runCell, options.local);
  const connection = redisConnectionOptions(settings.redisUrl, { password: redisPassword(settings, options.env), tls: settings.tls }, 'leffa-studio-coordinator');
  return new TeamBatchQueue({ jobs, connection, queueName: settings.queueName, tokens: openWorkerTokens(project), maxAttempts: settings.maxAttempts, log: options.log });
}
