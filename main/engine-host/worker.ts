// Entry point of the engine worker thread. Started by EngineHost, never imported by main: it
// initialises the TF.js backend once, then answers requests over parentPort. Bundled on its own to
// dist/main/engine-worker.cjs; under tsx the host starts this .ts file directly.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, shutdownBackend } from '../../models/backend/index.ts';
import { createMethods } from './methods.ts';
import { attachEngineRuntime } from './runtime.ts';
import type { EngineWorkerData } from './protocol.ts';

if (!parentPort) throw new Error('engine worker: must be started as a worker thread (no parentPort)');
const port = parentPort;
const data = (workerData ?? {}) as EngineWorkerData;
const log = (message: string) => port.postMessage({ kind: 'event', seq: 0, event: { type: 'log', message } });

const backend = initBackend({ backend: data.backend, threads: data.threads, log });
// Failures are reported to whoever asks (info); this only keeps them from being "unhandled".
backend.catch((err: unknown) => log(`backend failed to start: ${err instanceof Error ? err.message : String(err)}`));

attachEngineRuntime({ port, methods: createMethods(backend), shutdown: shutdownBackend });
