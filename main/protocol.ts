// app://leffa/… serves the built renderer from disk (inside app.asar once packaged), each response
// carrying our CSP. A privileged standard scheme gives pages a real origin without file://'s
// looser rules, and lets IPC handlers recognise our frames by URL (see app-origin.ts).
import { protocol, type Session } from 'electron';
import { APP_HOST, APP_SCHEME } from './app-origin.ts';
import { contentSecurityPolicy } from './csp.ts';
import { readStatic } from './static-files.ts';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export function serveRenderer(session: Session, rendererDir: string): void {
  const csp = contentSecurityPolicy();
  session.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return new Response('not found', { status: 404 });
    }
    const file = await readStatic(rendererDir, url.pathname);
    if (file.status !== 200) return new Response(file.body, { status: file.status });
    return new Response(new Uint8Array(file.body), {
      headers: { 'Content-Type': file.contentType, 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' },
    });
  });
}
