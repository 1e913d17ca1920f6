// Serve mode's WebSocket API: the same dispatch() the Electron IPC handlers use, behind a tiny
// envelope. Client -> server: {id, channel, payload}. Server -> client: {id, result} where result
// is the same Result<T> the preload returns. A message that is not a valid envelope gets
// {id: null, result: <validation error>} so the client can report it.
import type { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import type { Result } from '../../preload/contract.ts';
import type { Dispatch } from '../api/dispatch.ts';
import { ValidationError, toWireError } from '../api/errors.ts';
import { describeIssues } from '../api/schemas.ts';

const callSchema = z.strictObject({
  id: z.number().int().nonnegative(),
  channel: z.string(),
  payload: z.unknown().optional(),
});

export interface SocketReply {
  id: number | null;
  result: Result<unknown>;
}

function invalid(message: string): SocketReply {
  return { id: null, result: { ok: false, error: toWireError(new ValidationError(message)) } };
}

/** Parses and answers one raw message. Exported for tests; never throws. */
export async function answerMessage(dispatch: Dispatch, raw: string): Promise<SocketReply> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return invalid(`message is not JSON: ${(err as Error).message}`);
  }
  const call = callSchema.safeParse(json);
  if (!call.success) {
    return invalid(`message must be {id, channel, payload}: ${describeIssues(call.error).replaceAll('payload.', 'message.')}`);
  }
  return { id: call.data.id, result: await dispatch(call.data.channel, call.data.payload) };
}

export function serveApiSocket(wss: WebSocketServer, dispatch: Dispatch): void {
  wss.on('connection', (socket: WebSocket) => {
    socket.on('message', (data, isBinary) => {
      const raw = isBinary ? '' : data.toString();
      void answerMessage(dispatch, raw).then((reply) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(reply));
      });
    });
  });
}
