// Progress events for downloads and hashing: bytes, total, speed and ETA, throttled so a 7 GB download does
// not send a UI update per 64 kB chunk. Speed is measured over a sliding window so the ETA follows the
// current rate (a resumed download does not count the bytes it already had as "fast").

export type ProgressPhase =
  | 'checking-partial' // re-hashing the part of an interrupted download before resuming it
  | 'downloading'
  | 'verifying'; // re-hashing a cached file (verify())

export interface DownloadProgress {
  /** Catalogue id, when the transfer belongs to a catalogue model. */
  id?: string;
  /** File inside the repo. */
  file: string;
  phase: ProgressPhase;
  /** Bytes done so far, including those a resumed download already had. */
  bytes: number;
  total: number;
  /** Bytes already on disk when this attempt started (0 for a fresh download). */
  resumedFrom: number;
  /** Current rate over the last few seconds (0 until measurable). */
  bytesPerSecond: number;
  /** Seconds left at the current rate; null while the rate is unknown. */
  etaSeconds: number | null;
  /** Position of this file in a multi-file run, 1-based, and how many files the run has. */
  fileIndex: number;
  fileCount: number;
  /** True on the last event of a phase. */
  done: boolean;
}

export type ProgressListener = (p: DownloadProgress) => void;

export interface ProgressTrackerOptions {
  /** Minimum time between two events, ms (the first and the final event always go out). */
  intervalMs?: number;
  /** Width of the speed window, ms. */
  windowMs?: number;
  now?: () => number;
}

type Base = Omit<DownloadProgress, 'bytes' | 'bytesPerSecond' | 'etaSeconds' | 'done'>;

export class ProgressTracker {
  readonly #base: Base;
  readonly #listener: ProgressListener | undefined;
  readonly #intervalMs: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #samples: { t: number; bytes: number }[] = [];
  #lastEmit = -Infinity;

  constructor(base: Base, listener: ProgressListener | undefined, opts: ProgressTrackerOptions = {}) {
    this.#base = base;
    this.#listener = listener;
    this.#intervalMs = opts.intervalMs ?? 200;
    this.#windowMs = opts.windowMs ?? 5000;
    this.#now = opts.now ?? (() => performance.now());
  }

  /** Records that `bytes` are done; emits an event when the interval has passed (or `final`). */
  update(bytes: number, final = false): void {
    const t = this.#now();
    this.#samples.push({ t, bytes });
    while (this.#samples.length > 2 && t - this.#samples[0]!.t > this.#windowMs) this.#samples.shift();
    if (!this.#listener) return;
    if (!final && t - this.#lastEmit < this.#intervalMs) return;
    this.#lastEmit = t;
    this.#listener(this.snapshot(bytes, final));
  }

  snapshot(bytes: number, done = false): DownloadProgress {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    const dt = first && last ? (last.t - first.t) / 1000 : 0;
    const bytesPerSecond = dt > 0 ? (last!.bytes - first!.bytes) / dt : 0;
    const left = this.#base.total - bytes;
    const etaSeconds = left <= 0 ? 0 : bytesPerSecond > 0 ? left / bytesPerSecond : null;
    return { ...this.#base, bytes, bytesPerSecond, etaSeconds, done };
  }
}
