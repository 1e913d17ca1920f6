// The Review screen's keys: A approve, R reject, D redo, ←/→ previous/next result, Enter opens the loupe
// on the focused result, G toggles grid/loupe, C toggles compare, P picks the result as its cell's best.
// Pure: the screen feeds it key events and runs what it returns. Keys with Ctrl/Cmd/Alt are left alone
// (the app's shortcuts and the browser's), and nothing fires while typing in a field.
import type { ReviewStatus } from '../../../preload/contract.ts';

export type ReviewAction =
  | { type: 'review'; status: Exclude<ReviewStatus, 'pending'> }
  | { type: 'move'; delta: -1 | 1 }
  | { type: 'open' }
  | { type: 'toggle-layout' }
  | { type: 'toggle-compare' }
  | { type: 'pick' };

export interface ReviewKey {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** The keys, for the hint line and the help text. */
export const REVIEW_KEYS: readonly { keys: string; description: string }[] = [
  { keys: 'A', description: 'Approve' },
  { keys: 'R', description: 'Reject' },
  { keys: 'D', description: 'Redo' },
  { keys: '← →', description: 'Previous / next result' },
  { keys: 'Enter', description: 'Open in the loupe' },
  { keys: 'G', description: 'Grid / loupe' },
  { keys: 'C', description: 'Compare' },
  { keys: 'P', description: 'Pick as the best of its cell' },
];

export function reviewAction(event: ReviewKey, inField: boolean): ReviewAction | null {
  if (inField || event.ctrlKey || event.metaKey || event.altKey) return null;
  switch (event.key) {
    case 'a': case 'A': return { type: 'review', status: 'approved' };
    case 'r': case 'R': return { type: 'review', status: 'rejected' };
    case 'd': case 'D': return { type: 'review', status: 'redo' };
    case 'ArrowLeft': case 'ArrowUp': return { type: 'move', delta: -1 };
    case 'ArrowRight': case 'ArrowDown': return { type: 'move', delta: 1 };
    case 'Enter': return { type: 'open' };
    case 'g': case 'G': return { type: 'toggle-layout' };
    case 'c': case 'C': return { type: 'toggle-compare' };
    case 'p': case 'P': return { type: 'pick' };
    default: return null;
  }
}
