// One-line text progress bar for the CLI (stderr), redrawn in place with "\r" and ended with "\n" on the
// last event of a phase, so stdout stays clean for output other programs read.
import { formatBytes, formatDuration } from './format.ts';
import type { DownloadProgress } from './progress.ts';

const WIDTH = 24;

export function renderProgressLine(p: DownloadProgress): string {
  const frac = p.total > 0 ? Math.min(1, p.bytes / p.total) : 1;
  const filled = Math.round(frac * WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}]`;
  const what = p.phase === 'checking-partial' ? 'checking partial' : p.phase === 'verifying' ? 'verifying' : 'downloading';
  const count = p.fileCount > 1 ? ` (${p.fileIndex}/${p.fileCount})` : '';
  const speed = p.bytesPerSecond > 0 ? `${formatBytes(p.bytesPerSecond)}/s` : '--';
  const eta = p.done ? formatDuration(0) : p.etaSeconds === null ? '--' : formatDuration(p.etaSeconds);
  return `${what} ${p.id ?? ''} ${p.file}${count} ${bar} ${(frac * 100).toFixed(1).padStart(5)}% ${formatBytes(p.bytes)} / ${formatBytes(p.total)} ${speed} ETA ${eta}`;
}

export interface ProgressBar {
  listener: (p: DownloadProgress) => void;
  /** Ends a line left open by a phase that did not finish (an error or a cancel), before the message. */
  close(): void;
}

/** Draws `renderProgressLine` into `write`. */
export function progressBar(write: (s: string) => void): ProgressBar {
  let lastLength = 0;
  return {
    listener: (p) => {
      const line = renderProgressLine(p);
      // Pad over the previous, longer line: "\r" alone leaves its tail on screen.
      write(`\r${line.padEnd(lastLength)}${p.done ? '\n' : ''}`);
      lastLength = p.done ? 0 : line.length;
    },
    close: () => {
      if (lastLength > 0) write('\n');
      lastLength = 0;
    },
  };
}
