// Keyboard shortcuts: one table that both the key handler and the help overlay (`?`) read, so the
// overlay can never list a shortcut that does not work. Keys are written like "Mod+Z", "Shift+?",
// "[" (Mod = Ctrl, or Cmd on macOS). Pure: tests feed plain event-like objects.

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
}

export type ShortcutScope = 'global' | 'garments' | 'model-photos' | 'mask-editor' | 'queue';

export interface Shortcut {
  id: string;
  keys: string;
  description: string;
  scope: ShortcutScope;
  /** Also fires while typing in a text field (Escape does; letters do not). */
  inFields?: boolean;
}

export const SCOPE_LABELS: Record<ShortcutScope, string> = {
  global: 'Everywhere',
  garments: 'Garments',
  'model-photos': 'Model photos',
  'mask-editor': 'Mask editor',
  queue: 'Queue',
};

export const SHORTCUTS: readonly Shortcut[] = [
  { id: 'help', keys: '?', description: 'Show or hide this help', scope: 'global' },
  { id: 'close', keys: 'Escape', description: 'Close the dialog, panel or detail view', scope: 'global', inFields: true },
  { id: 'go-projects', keys: '1', description: 'Go to Projects', scope: 'global' },
  { id: 'go-garments', keys: '2', description: 'Go to Garments', scope: 'global' },
  { id: 'go-model-photos', keys: '3', description: 'Go to Model photos', scope: 'global' },
  { id: 'go-checkpoints', keys: '4', description: 'Go to Checkpoints', scope: 'global' },
  { id: 'go-batch', keys: '5', description: 'Go to New batch', scope: 'global' },
  { id: 'go-queue', keys: '6', description: 'Go to Queue', scope: 'global' },
  { id: 'go-review', keys: '7', description: 'Go to Review', scope: 'global' },
  { id: 'go-explain', keys: '8', description: 'Go to Explain', scope: 'global' },
  { id: 'go-export', keys: '9', description: 'Go to Export', scope: 'global' },
  { id: 'go-finetune', keys: '0', description: 'Go to Finetune', scope: 'global' },
  { id: 'search', keys: '/', description: 'Search garments', scope: 'garments' },
  { id: 'select-all', keys: 'Mod+A', description: 'Select every loaded item', scope: 'garments' },
  { id: 'edit-selected', keys: 'E', description: 'Edit the selected garments', scope: 'garments' },
  { id: 'import', keys: 'Mod+O', description: 'Import photos', scope: 'garments' },
  { id: 'brush', keys: 'B', description: 'Brush (paint the area to regenerate)', scope: 'mask-editor' },
  { id: 'eraser', keys: 'E', description: 'Eraser', scope: 'mask-editor' },
  { id: 'bucket', keys: 'G', description: 'Fill region (bucket)', scope: 'mask-editor' },
  { id: 'smaller', keys: '[', description: 'Smaller brush', scope: 'mask-editor' },
  { id: 'larger', keys: ']', description: 'Larger brush', scope: 'mask-editor' },
  { id: 'invert', keys: 'I', description: 'Invert the mask', scope: 'mask-editor' },
  { id: 'undo', keys: 'Mod+Z', description: 'Undo', scope: 'mask-editor' },
  { id: 'redo', keys: 'Mod+Shift+Z', description: 'Redo', scope: 'mask-editor' },
  { id: 'fit', keys: '0', description: 'Fit the photo in the window', scope: 'mask-editor' },
  { id: 'actual-size', keys: 'Shift+1', description: 'Zoom to 100 %', scope: 'mask-editor' },
  { id: 'save-mask', keys: 'Mod+S', description: 'Save as a new mask version', scope: 'mask-editor', inFields: true },
  { id: 'pause', keys: 'P', description: 'Pause or resume the queue', scope: 'queue' },
];

interface Parsed {
  key: string;
  mod: boolean;
  shift: boolean | null;
  alt: boolean;
}

function parse(keys: string): Parsed {
  const parts = keys.split('+');
  const key = parts.pop()!;
  const has = (m: string) => parts.includes(m);
  // For printable symbols such as "?" the Shift state depends on the keyboard layout: don't check it.
  const symbol = key.length === 1 && !/[a-z0-9]/i.test(key);
  return { key: key.length === 1 ? key.toLowerCase() : key, mod: has('Mod'), shift: symbol && !has('Shift') ? null : has('Shift'), alt: has('Alt') };
}

/** Shift+1 arrives as "!" on US layouts; map shifted digits back so "Shift+1" matches everywhere. */
const SHIFTED_DIGITS: Record<string, string> = { '!': '1', '@': '2', '#': '3', $: '4', '%': '5', '^': '6', '&': '7', '*': '8', '(': '9', ')': '0' };

export function matches(keys: string, event: KeyLike): boolean {
  const want = parse(keys);
  let key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (event.shiftKey && SHIFTED_DIGITS[key] && /^\d$/.test(want.key)) key = SHIFTED_DIGITS[key];
  if (key !== want.key) return false;
  if (want.mod !== Boolean(event.ctrlKey || event.metaKey)) return false;
  if (want.alt !== Boolean(event.altKey)) return false;
  return want.shift === null || want.shift === Boolean(event.shiftKey);
}

/** The shortcut an event triggers among the active scopes (more specific scopes win), or null. */
export function findShortcut(event: KeyLike, scopes: readonly ShortcutScope[], inField: boolean, table: readonly Shortcut[] = SHORTCUTS): Shortcut | null {
  const ordered = [...scopes].sort((a, b) => (a === 'global' ? 1 : 0) - (b === 'global' ? 1 : 0));
  for (const scope of ordered) {
    for (const s of table) {
      if (s.scope === scope && (!inField || s.inFields) && matches(s.keys, event)) return s;
    }
  }
  return null;
}

/** "Mod+Shift+Z" as the user's platform writes it: "Ctrl+Shift+Z" or "⌘⇧Z". */
export function displayKeys(keys: string, mac: boolean): string[] {
  return keys.split('+').map((k) => {
    if (k === 'Mod') return mac ? '⌘' : 'Ctrl';
    if (k === 'Shift') return mac ? '⇧' : 'Shift';
    if (k === 'Alt') return mac ? '⌥' : 'Alt';
    if (k === 'Escape') return 'Esc';
    return k;
  });
}
