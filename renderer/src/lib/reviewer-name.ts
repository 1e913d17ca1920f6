// Who reviews in this browser (serve mode, where several people review against one host): the name the
// page sends with review:add and review:pick, remembered in localStorage. The host checks it the same way
// (main/api/schemas.ts, ReviewerName): 1 to 64 characters once trimmed, no control characters. The desktop
// app sends none: its host records the OS user.

/** The localStorage key the name is kept under. */
export const REVIEWER_STORAGE_KEY = 'leffa-studio.reviewer';
export const MAX_REVIEWER_NAME = 64;

export type NameStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** The trimmed name, or why it cannot be used. */
export function checkReviewerName(name: string): { ok: true; name: string } | { ok: false; message: string } {
  const t = name.trim();
  if (t === '') return { ok: false, message: 'Enter a name: your reviews are recorded under it.' };
  if (t.length > MAX_REVIEWER_NAME) return { ok: false, message: `A name has at most ${MAX_REVIEWER_NAME} characters (this one has ${t.length}).` };
  if (/\p{Cc}/u.test(t)) return { ok: false, message: 'A name cannot contain control characters (tabs, line breaks).' };
  return { ok: true, name: t };
}

/** This page's localStorage, or null where there is none (or it is blocked). */
export function pageStorage(): NameStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** The remembered name, if there is a usable one. */
export function readReviewerName(storage: NameStorage | null): string | null {
  try {
    const saved = storage?.getItem(REVIEWER_STORAGE_KEY);
    if (saved == null) return null;
    const checked = checkReviewerName(saved);
    return checked.ok ? checked.name : null;
  } catch {
    return null;
  }
}

/** Remembers the name (null forgets it); a storage that refuses (private mode, quota) only loses the memory. */
export function writeReviewerName(storage: NameStorage | null, name: string | null): void {
  try {
    if (name === null) storage?.removeItem(REVIEWER_STORAGE_KEY);
    else storage?.setItem(REVIEWER_STORAGE_KEY, name);
  } catch {
    // Kept for this page only.
  }
}
