// Which checkpoint a batch uses when it names none: the default of its task (try-on HD, try-on DC, pose;
// migration 010), else the project's one default (studio.json, kept for batches that name no task and for
// projects from before per-task defaults). And the licence rule: a checkpoint whose licence has not been
// accepted in this project is refused by enqueue with a conflict (preview lists it instead).
import type { BatchSpecInput, CheckpointTask } from '../../preload/contract.ts';
import { ConflictError, ValidationError } from '../api/errors.ts';
import type { Project } from '../store/index.ts';
import { taskOfKind } from '../store/checkpoints.ts';
import { pendingLicence } from './licence.ts';

/** The default checkpoint for `task` (or for a batch naming no task); null when there is none. */
export function defaultCheckpointFor(project: Project, projectDefault: number | null, task?: CheckpointTask): number | null {
  const defaults = project.checkpoints.defaults();
  if (task) {
    if (defaults[task] !== undefined) return defaults[task];
    const legacy = projectDefault === null ? undefined : project.checkpoints.get(projectDefault);
    return legacy && taskOfKind(legacy.kind) === task ? legacy.id : null;
  }
  return projectDefault ?? defaults['try-on-HD'] ?? defaults['try-on-DC'] ?? null;
}

/** The spec with its checkpoint filled in from the defaults, and without `task` (the enqueuer's spec has none). */
export function withDefaultCheckpoint(project: Project, projectDefault: number | null, spec: BatchSpecInput): Omit<BatchSpecInput, 'task'> & { checkpointId: number } {
  const { task, ...rest } = spec;
  const checkpointId = rest.checkpointId ?? defaultCheckpointFor(project, projectDefault, task);
  if (checkpointId === null || checkpointId === undefined) {
    throw new ValidationError(task
      ? `payload.task is ${JSON.stringify(task)}: no checkpoint given and the project has no default for that task; import or download one, or make one the default on the Checkpoints screen`
      : 'payload.checkpointId: no checkpoint given and the project has no default; import a checkpoint first');
  }
  return { ...rest, checkpointId };
}

/** Throws a conflict when the checkpoint's licence still needs accepting (batches:enqueue). */
export function refusePendingLicence(project: Project, checkpointId: number): void {
  const pending = pendingLicence(project, checkpointId);
  if (!pending) return;
  throw new ConflictError(
    `checkpointId is ${checkpointId}; expected a checkpoint whose licence was accepted in this project, and the licence of ` +
      `"${pending.name}" (${pending.licence}) has not been accepted yet: accept it on the Checkpoints screen (checkpoints:acceptLicence) first`,
  );
}
