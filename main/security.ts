// Session- and app-wide guards, applied once at start-up:
// - every response gets our CSP header (app:// responses also set it themselves);
// - permission requests (camera, notifications, …) are denied: the app needs none of them;
// - no web contents may navigate away, open windows or attach <webview>; links to allow-listed
//   https hosts open in the OS browser instead.
import { shell, type Session, type WebContents } from 'electron';
import { contentSecurityPolicy } from './csp.ts';
import { isAllowedExternalUrl } from './external-links.ts';

export function hardenSession(session: Session): void {
  const csp = contentSecurityPolicy();
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Opens url in the OS browser only when it is on the allow-list; returns whether it did. */
export function openExternalIfAllowed(url: string): boolean {
  if (!isAllowedExternalUrl(url)) return false;
  // Electronegativity flags every openExternal with a variable; this one is checked just above.
  void shell.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK
  return true;
}

export function guardWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalIfAllowed(url);
    return { action: 'deny' };
  });
}
