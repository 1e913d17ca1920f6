// The one origin our pages load from: app://leffa/… (a privileged custom scheme, see protocol.ts).
// Anything that decides "is this our page?" asks isAppUrl, so the rule lives in one place.

export const APP_SCHEME = 'app';
export const APP_HOST = 'leffa';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * True only for app://leffa/… URLs. Compares scheme and host by hand because WHATWG URL gives
 * non-special schemes an opaque origin ("null"), so `origin ===` would never match.
 */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && !parsed.username && !parsed.password;
}
