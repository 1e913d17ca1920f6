// Serve mode's WebSocket API: the same dispatch() the Electron IPC handlers use, behind a tiny
// envelope. Client -> server: {id, channel, payload}. Server -> client: {id, result} where result
// is the same Result<T> the preload returns. A message that is not a valid envelope gets
// {id: null, result: <validation error>} so the client can report it. Events the host pushes go to
// every open socket as {event, payload} (no id).
import type { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import type { Result } from '../../preload/contract.ts';
import type { Dispatch } from '../api/dispatch.ts';
import type { EventHub } from '../services/events.ts';
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

/** Masks travel as base64 PNG (16 MB of image): the largest message a page may send. */
export const MAX_SOCKET_MESSAGE_BYTES = 24 * 1024 * 1024;
/** A socket this far behind (a stalled tab) skips preview and progress events instead of queueing them. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export function serveApiSocket(wss: WebSocketServer, dispatch: Dispatch, events?: Pick<EventHub, 'subscribe'>): void {
  wss.on('connection', (socket: WebSocket) => {
    if (events) {
      const off = events.subscribe((event, payload) => {
        if (socket.readyState !== socket.OPEN) return;
        const droppable = event === 'queue:event' && ((payload as { type: string }).type === 'preview' || (payload as { type: string }).type === 'progress');
        if (droppable && socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
        socket.send(JSON.stringify({ event, payload }));
      });
      socket.once('close', off);
    }
    socket.on('message', (data, isBinary) => {
      const raw = isBinary ? '' : data.toString();
      void answerMessage(dispatch, raw).then((reply) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(reply));
      });
    });
  });
}
