// A device fault on a team worker (its engine lost the GPU device or ran out of GPU memory, and has
// recovered): reported through the coordinator's `fail` endpoint, it sends the cell back to the queue with
// the fault as its error, and tells the worker so (requeued: give the BullMQ job back); the next claim is
// attempt 2. A second device fault, or any other engine error, fails the cell as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { JobStore } from '../../main/queue/index.ts';
import { cellKey } from '../../main/team/cell-key.ts';
import { Coordinator } from '../../main/team/coordinator.ts';
import { createCoordinatorHandler } from '../../main/team/coordinator-http.ts';
import { CoordinatorClient } from '../../main/team/worker-client.ts';
import { WorkerTokens } from '../../main/team/worker-tokens.ts';
import { tempProject } from './store/helpers.ts';
import { addFixture } from './queue/helpers.ts';
import { serveCoordinator } from './team/processes.ts';

test('coordinator: a device fault re-queues a first attempt (attempt 2 next), a second one fails the cell', async () => {
  const t = await tempProject();
  const fx = await addFixture(t.project, { garments: 2, people: 1 });
  const jobs = new JobStore(t.project);
  jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1] });
  const [a, b] = jobs.list();
  const tokens = WorkerTokens.open(join(t.dir, 'team', 'workers.json'));
  const token = tokens.issue('gpu-a').token;
  const logs: string[] = [];
  const coordinator = new Coordinator({ jobs, tokens, log: (l) => logs.push(l) });
  const server = await serveCoordinator(createCoordinatorHandler(coordinator));
  const client = new CoordinatorClient(server.url, token);
  try {
    const claim = async (id: number, hash: string) => {
      const r = await client.claim(cellKey(id, hash));
      assert.equal(r.status, 'granted');
      return r as Extract<typeof r, { status: 'granted' }>;
    };
    const lost = { type: 'WebGPUDeviceLostError', message: 'the WebGPU device (GPU) was lost while running this cell; the host re-created the WebGPU device on GPU. The cell is retried.' };
    const first = await claim(a!.id, a!.settingsHash);
    assert.equal(first.cell.attempt, 1);
    assert.deepEqual(await client.fail(first.claim, lost), { recorded: true, requeued: true });
    const back = jobs.get(a!.id)!;
    assert.deepEqual([back.status, back.attempt, back.error?.type], ['queued', 1, 'WebGPUDeviceLostError']);
    assert.match(back.error!.message, /was lost while running this cell.*\(on worker gpu-a\)$/);
    assert.ok(logs.some((l) => l.includes(`cell ${a!.id}: device fault on gpu-a, back to the queue`)));
    const second = await claim(a!.id, a!.settingsHash);
    assert.equal(second.cell.attempt, 2);
    assert.deepEqual(await client.fail(second.claim, { type: 'WebGPUOutOfMemoryError', message: 'out of GPU memory again' }), { recorded: true, requeued: false });
    assert.deepEqual([jobs.get(a!.id)!.status, jobs.get(a!.id)!.attempt], ['failed', 2]);
    // Any other engine error fails at once.
    const other = await claim(b!.id, b!.settingsHash);
    assert.deepEqual(await client.fail(other.claim, { type: 'Error', message: 'bad checkpoint' }), { recorded: true, requeued: false });
    assert.equal(jobs.get(b!.id)!.status, 'failed');
  } finally {
    await server.close();
    await t.cleanup();
  }
});
