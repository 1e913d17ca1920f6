// Which screen is showing. Kept in the URL hash (#/queue) so a reload in serve mode stays put; the
// hash is read once at start and written on every change.
import { createContext } from 'svelte';

export const SCREENS = ['projects', 'garments', 'model-photos', 'checkpoints', 'batch', 'queue', 'review', 'explain', 'export', 'finetune'] as const;
export type Screen = (typeof SCREENS)[number];

export const SCREEN_LABELS: Record<Screen, string> = {
  projects: 'Projects',
  garments: 'Garments',
  'model-photos': 'Model photos',
  checkpoints: 'Checkpoints',
  batch: 'New batch',
  queue: 'Queue',
  review: 'Review',
  explain: 'Explain',
  export: 'Export',
  finetune: 'Finetune',
};

export function screenFromHash(hash: string): Screen | null {
  const name = hash.replace(/^#\/?/, '');
  return (SCREENS as readonly string[]).includes(name) ? (name as Screen) : null;
}

export class Nav {
  screen = $state<Screen>('projects');
  helpOpen = $state(false);

  constructor(initial: Screen = 'projects') {
    this.screen = initial;
  }

  /** The result a screen was opened for (review loupe -> explain, compare), or null. */
  focusResultId = $state<number | null>(null);

  go(screen: Screen): void {
    this.screen = screen;
  }

  /** Shows `screen` about one result (e.g. Explain for the result in the loupe). */
  open(screen: Screen, resultId: number): void {
    this.focusResultId = resultId;
    this.screen = screen;
  }

  toggleHelp(open = !this.helpOpen): void {
    this.helpOpen = open;
  }
}

export const [getNav, setNav] = createContext<Nav>();
