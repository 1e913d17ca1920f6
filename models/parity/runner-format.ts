// One line per compared tensor.
import type { Comparison } from './compare.ts';

const fmt = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

export function formatComparison(c: Comparison): string {
  return `${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(52)} [${c.shape.join(',')}]`.padEnd(80) +
    ` max_abs_err ${fmt(c.maxAbsErr)}  rel ${fmt(c.relErr)}${c.note ? `  (${c.note})` : ''}`;
}

