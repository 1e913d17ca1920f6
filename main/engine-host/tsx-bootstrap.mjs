// Development only (tsx: serve mode and tests). Node 20 worker threads do not inherit tsx's loader
// hooks from the thread that started them, so a worker cannot load a .ts entry directly. The host
// starts this plain module instead; it registers tsx in the worker, then imports the real entry.
// The bundled app never uses this: its worker is dist/main/engine-worker.cjs.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.tsEntry);
