// The coordinator's HTTP endpoints as one request handler, for the serve host to mount in front of its
// own routes (it answers only /team/…, and returns false for anything else) or for a standalone
// loopback server (tests). Workers authenticate with their own token, never the serve launch token, and
// the launch token never opens these routes: the two secrets grant different things.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Coordinator } from './coordinator.ts';
import { sendBlob } from './coordinator-blob.ts';
import { redactSecrets } from './redact.ts';
import { decodeResultFrame } from './result-frame.ts';
import { API_PREFIX, Claim, ClaimRequest, FailRequest, Hello, ProgressRequest, PROTOCOL_VERSION, ReleaseRequest, RESULT_CONTENT_TYPE, ResultHeader, TEAM_PREFIX } from './wire.ts';

export type CoordinatorHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface CoordinatorHandlerOptions {
  /** Largest JSON body. Default 64 KiB. */
  maxJsonBytes?: number;
  /** Largest result upload (PNG plus header). Default 256 MiB (a 50-megapixel PNG fits). */
  maxResultBytes?: number;
  log?: (line: string) => void;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new HttpError(413, `body is ${declared} bytes; at most ${max}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new HttpError(413, `body is over ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new HttpError(400, `${what}: ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return r.data;
}

async function readJson<T extends z.ZodType>(req: IncomingMessage, schema: T, max: number, what: string): Promise<z.output<T>> {
  let value: unknown;
  try {
    value = JSON.parse((await readBody(req, max)).toString('utf8'));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, `${what}: body is not JSON`);
  }
  return parse(schema, value, what);
}

function bearer(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : null;
}

export function createCoordinatorHandler(coordinator: Coordinator, options: CoordinatorHandlerOptions = {}): CoordinatorHandler {
  const maxJson = options.maxJsonBytes ?? 64 << 10;
  const maxResult = options.maxResultBytes ?? 256 << 20;
  const log = options.log ?? (() => {});

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, worker: string): Promise<void> {
    const route = url.pathname.slice(API_PREFIX.length);
    const post = req.method === 'POST';
    if (route.startsWith('blobs/') && (req.method === 'GET' || req.method === 'HEAD')) {
      const hash = route.slice('blobs/'.length);
      const claim = parse(Claim, url.searchParams.get('claim'), 'blobs');
      const path = /^[0-9a-f]{64}$/.test(hash) ? coordinator.blobPath(worker, claim, hash) : null;
      // One answer for "no such blob" and "not yours": a worker learns nothing about other cells' inputs.
      if (!path) throw new HttpError(403, 'not an input, checkpoint or adapter of a cell this worker holds');
      return sendBlob(req, res, path, hash);
    }
    if (!post) throw new HttpError(405, `${req.method} ${url.pathname}: not a route (see main/team/wire.ts)`);
    switch (route) {
      case 'hello':
        coordinator.hello(worker, await readJson(req, Hello, maxJson, 'hello'));
        return sendJson(res, 200, { name: worker });
      case 'claim':
        return sendJson(res, 200, coordinator.claim(worker, (await readJson(req, ClaimRequest, maxJson, 'claim')).key));
      case 'progress':
        return sendJson(res, 200, coordinator.progress(worker, await readJson(req, ProgressRequest, maxJson, 'progress')));
      case 'fail': {
        const body = await readJson(req, FailRequest, maxJson, 'fail');
        const { recorded, requeued } = coordinator.failCell(worker, body.claim, body.error);
        return sendJson(res, 200, requeued ? { recorded, requeued } : { recorded });
      }
      case 'release':
        return sendJson(res, 200, { released: coordinator.release(worker, (await readJson(req, ReleaseRequest, maxJson, 'release')).claim) });
      case 'result': {
        if (req.headers['content-type'] !== RESULT_CONTENT_TYPE) throw new HttpError(415, `result: Content-Type must be ${RESULT_CONTENT_TYPE}`);
        let frame: { header: unknown; image: Buffer };
        try {
          frame = decodeResultFrame(await readBody(req, maxResult));
        } catch (err) {
          if (err instanceof HttpError) throw err;
          throw new HttpError(400, `result: ${(err as Error).message}`);
        }
        const header = parse(ResultHeader, frame.header, 'result');
        // The bytes that arrived are the bytes the worker hashed: a torn upload is refused, never stored.
        const sha = createHash('sha256').update(frame.image).digest('hex');
        if (sha !== header.sha256) throw new HttpError(400, `result: the image's SHA-256 is ${sha}, the header says ${header.sha256}`);
        const reply = await coordinator.result(worker, header, frame.image);
        return sendJson(res, reply.status === 'refused' ? 409 : 200, reply);
      }
      default:
        throw new HttpError(404, `${url.pathname}: not a route (see main/team/wire.ts)`);
    }
  }

  return async function handleTeamRequest(req, res) {
    const url = new URL(req.url ?? '/', 'http://coordinator.invalid');
    if (!url.pathname.startsWith(TEAM_PREFIX)) return false;
    try {
      if (!url.pathname.startsWith(API_PREFIX)) {
        // A worker of another version (an old one would run a LoRA cell without its adapter): refused, with what to do.
        const version = /^\/team\/v(\d{1,6})\//.exec(url.pathname)?.[1];
        if (version !== undefined) {
          throw new HttpError(426, `this worker speaks team protocol v${version}, this coordinator v${PROTOCOL_VERSION} (${API_PREFIX}): `
            + `run the same Leffa Studio version on the worker as in the app${Number(version) < PROTOCOL_VERSION ? ' (update the worker)' : ' (update the app)'}`);
        }
        throw new HttpError(404, `${url.pathname}: this coordinator speaks ${API_PREFIX}`);
      }
      const worker = coordinator.tokens.verify(bearer(req));
      if (!worker) throw new HttpError(401, 'missing, unknown or revoked worker token (issue one in the app: Team → Workers)');
      await route(req, res, url, worker);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : (err as { kind?: string }).kind === 'validation' ? 400 : 500;
      const message = redactSecrets(err instanceof Error ? err.message : String(err));
      if (status >= 500) log(`[team] ${req.method} ${url.pathname} failed: ${message}`);
      if (!res.headersSent) sendJson(res, status, { error: message });
      else res.destroy();
    }
    return true;
  };
}
