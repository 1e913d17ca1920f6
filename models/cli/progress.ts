// A one-line progress bar for stderr (redrawn in place on a terminal, one line per update otherwise).
export function progressLine(label: string, done: number, total: number, extra = ''): string {
  const width = 28;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${extra ? ` ${extra}` : ''}`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${(ms / 1000).toFixed(1)}s`;
}

export class ProgressBar {
  private last = '';
  constructor(private readonly write: (s: string) => void, private readonly tty: boolean) {}
  update(line: string): void {
    if (this.tty) this.write(`\r${line.padEnd(this.last.length)}`);
    else this.write(`${line}\n`);
    this.last = line;
  }
  done(): void { if (this.tty && this.last) this.write('\n'); this.last = ''; }
}
