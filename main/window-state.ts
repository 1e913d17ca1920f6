// The main window's size, position and maximized flag, kept in a JSON file in userData between
// runs. No Electron imports: the window code passes in the displays' work areas.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomicSync } from './atomic-write.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const stateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(320).max(32768),
  height: z.number().int().min(240).max(32768),
  maximized: z.boolean().default(false),
});

export type WindowState = z.infer<typeof stateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1200, height: 800, maximized: false };

/** A missing, unreadable or invalid file is not an error: the window just opens at the default. */
export function loadWindowState(file: string): WindowState {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : { ...DEFAULT_WINDOW_STATE };
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
}

export function saveWindowState(file: string, state: WindowState): void {
  writeFileAtomicSync(file, `${JSON.stringify(stateSchema.parse(state), null, 2)}\n`);
}

/**
 * Drops a saved position that no longer lands on a display (monitor unplugged, resolution changed):
 * the window is then centred by Electron. Requires 64 px of the title bar to be visible somewhere.
 */
export function fitToDisplays(state: WindowState, workAreas: Rect[]): WindowState {
  if (state.x === undefined || state.y === undefined) return state;
  const { x, y, width } = state;
  const visible = workAreas.some(
    (a) => x + width - 64 >= a.x && x + 64 <= a.x + a.width && y >= a.y && y + 32 <= a.y + a.height,
  );
  if (visible) return state;
  const { x: _x, y: _y, ...rest } = state;
  return rest;
}
