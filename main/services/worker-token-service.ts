// Worker tokens from the app: each GPU machine of the team queue gets its own token (main/team/worker-tokens.ts),
// shown once with the command that starts the worker, and revocable one by one. While the team queue runs, the
// coordinator's own registry is changed, so a new token works and a revoked one stops at once; in local mode
// the project's registry file is changed and read when the team queue starts.
import type { IssuedWorkerToken, WorkerTokenInfo } from '../../preload/contract.ts';
import { ValidationError } from '../api/errors.ts';
import { openWorkerTokens } from '../team/open-queue.ts';
import { readQueueSettings } from '../team/queue-settings.ts';
import { WorkerName, type WorkerTokens } from '../team/worker-tokens.ts';
import type { ProjectService } from './project-service.ts';
import type { QueueService } from './queue-service.ts';

export class WorkerTokenService {
  constructor(private readonly projects: ProjectService, private readonly queue: QueueService) {}

  #tokens(): WorkerTokens {
    return this.queue.liveWorkerTokens() ?? openWorkerTokens(this.projects.require());
  }

  list(): { tokens: WorkerTokenInfo[] } {
    return { tokens: this.#tokens().list() };
  }

  /** A new token for `name` (an earlier one of that name stops working) and the command for the worker machine. */
  async issue(name: string): Promise<IssuedWorkerToken> {
    const valid = WorkerName.safeParse(name);
    if (!valid.success) throw new ValidationError(`name is ${JSON.stringify(name)}; expected ${valid.error.issues[0]?.message}`);
    const project = this.projects.require();
    const { token } = this.#tokens().issue(name);
    const settings = readQueueSettings(project.dir);
    const info = settings.kind === 'team' ? await this.queue.settings().catch(() => null) : null;
    const redis = settings.kind === 'team' ? settings.redisUrl : 'redis://HOST:6379';
    const queueName = settings.kind === 'team' ? ` --queue-name ${settings.queueName}` : '';
    const coordinator = info?.coordinatorUrl ?? 'https://COORDINATOR:PORT';
    // The token goes in the environment, not a flag: flags show in `ps` (main/team/worker-command.ts).
    const command = `LEFFA_WORKER_TOKEN=${token} leffa-studio worker --queue ${redis}${queueName} --coordinator ${coordinator}`;
    return { name, token, command, tokens: this.#tokens().list() };
  }

  revoke(name: string): { revoked: boolean; tokens: WorkerTokenInfo[] } {
    const tokens = this.#tokens();
    return { revoked: tokens.revoke(name), tokens: tokens.list() };
  }
}
