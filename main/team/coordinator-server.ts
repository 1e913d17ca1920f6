// The coordinator on a port of its own: the desktop app has no serve host to mount it in, so when a
// project's team settings name a `coordinatorPort`, the app answers workers there (only /team/…;
// anything else is 404). The handler is looked up per request, so the server can outlive a switch of
// the queue it serves.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CoordinatorHandler } from './coordinator-http.ts';
import { API_PREFIX } from './wire.ts';

export interface CoordinatorServer {
  server: Server;
  /** http://host:port, what workers get as --coordinator (behind a TLS terminator off this machine). */
  url: string;
  close(): Promise<void>;
}

export async function startCoordinatorServer(handler: CoordinatorHandler, options: { host?: string; port?: number } = {}): Promise<CoordinatorServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handler(req, res).then((handled) => {
      if (handled) return;
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`this port answers the team queue's workers only (${API_PREFIX}…)`);
    }, (err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`coordinator failed: ${(err as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${shown}:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
