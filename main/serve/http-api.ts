// POST /api/<channel> with a JSON body: the same API as the socket, for scripts and curl.
import type { IncomingMessage } from 'node:http';
import type { ErrorKind, Result } from '../../preload/contract.ts';
import type { Dispatch } from '../api/dispatch.ts';
import { ValidationError, toWireError } from '../api/errors.ts';

/** Masks travel as base64 PNG (16 MB of image), the largest payload of any channel. */
const MAX_BODY_BYTES = 24 * 1024 * 1024;

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  validation: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  internal: 500,
  unavailable: 503,
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ValidationError(`request body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function answerHttpCall(dispatch: Dispatch, channel: string, req: IncomingMessage): Promise<{ status: number; result: Result<unknown> }> {
  let payload: unknown;
  try {
    const body = await readBody(req);
    payload = body.trim() === '' ? undefined : JSON.parse(body);
  } catch (err) {
    const error = err instanceof ValidationError ? err : new ValidationError(`body is not JSON: ${(err as Error).message}`);
    return { status: 400, result: { ok: false, error: toWireError(error) } };
  }
  const result = await dispatch(channel, payload);
  return { status: result.ok ? 200 : STATUS_BY_KIND[result.error.kind], result };
}
