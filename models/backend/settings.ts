// Turns initBackend's options plus the LEFFA_* environment variables into one validated settings
// object. Pure (no TensorFlow.js), so it is unit-tested in-process. Environment variables win over
// options so that a user can switch backends without a rebuild.
import os from 'node:os';
import { REQUESTABLE_BACKENDS, type InitBackendOptions, type RequestedBackend } from './types.ts';

/** The threaded wasm build pre-starts 8 pthread workers and XNNPACK caps its pool at 8 threads. */
export const MAX_WASM_THREADS = 8;

export interface BackendSettings {
  backend: RequestedBackend;
  /** Threads for wasm, already clamped to 1..MAX_WASM_THREADS. */
  threads: number;
  /** False when LEFFA_WASM_THREADED=0: always use the single-threaded wasm build. */
  threadedAllowed: boolean;
  /** Notes about adjustments made here (e.g. clamping), to be reported with the chosen backend. */
  notes: string[];
}

type Env = Record<string, string | undefined>;

function badValue(source: string, value: unknown, allowed: string): Error {
  return new Error(`${source}=${JSON.stringify(value)} is not valid; allowed: ${allowed}`);
}

function parseBackend(value: unknown, source: string): RequestedBackend {
  const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if ((REQUESTABLE_BACKENDS as readonly unknown[]).includes(v)) return v as RequestedBackend;
  throw badValue(source, value, REQUESTABLE_BACKENDS.join(' | '));
}

function parseThreads(value: unknown, source: string): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1) return n;
  throw badValue(source, value, 'a whole number >= 1');
}

/** More threads than logical cores does not help (measured), and the build caps at 8 anyway. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(os.availableParallelism(), MAX_WASM_THREADS));
}

export function resolveSettings(opts: InitBackendOptions = {}, env: Env = process.env): BackendSettings {
  const notes: string[] = [];
  const envBackend = env.LEFFA_BACKEND?.trim() ? env.LEFFA_BACKEND : undefined;
  const backend =
    envBackend !== undefined
      ? parseBackend(envBackend, 'LEFFA_BACKEND')
      : opts.backend !== undefined
        ? parseBackend(opts.backend, 'initBackend option backend')
        : 'auto';

  const envThreads = env.LEFFA_WASM_THREADS?.trim() ? env.LEFFA_WASM_THREADS : undefined;
  let threads =
    envThreads !== undefined
      ? parseThreads(envThreads, 'LEFFA_WASM_THREADS')
      : opts.threads !== undefined
        ? parseThreads(opts.threads, 'initBackend option threads')
        : defaultThreads();
  if (threads > MAX_WASM_THREADS) {
    notes.push(`wasm threads clamped from ${threads} to ${MAX_WASM_THREADS} (the build's maximum)`);
    threads = MAX_WASM_THREADS;
  }

  const threadedRaw = env.LEFFA_WASM_THREADED?.trim();
  if (threadedRaw && threadedRaw !== '0' && threadedRaw !== '1') {
    throw badValue('LEFFA_WASM_THREADED', env.LEFFA_WASM_THREADED, '0 | 1');
  }
  return { backend, threads, threadedAllowed: threadedRaw !== '0', notes };
}
