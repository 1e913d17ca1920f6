// The single entry point both transports (Electron IPC and serve mode's WebSocket/HTTP) call:
// check the channel, validate the payload, run the handler, and always answer with a Result.
import type { Channel, RequestOf, ResponseOf, Result } from '../../preload/contract.ts';
import { NotFoundError, ValidationError, isExpectedError, toWireError } from './errors.ts';
import { describeIssues, isChannel, requestSchemas } from './schemas.ts';

export type Handlers = {
  [C in Channel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

export interface DispatchOptions {
  handlers: Handlers;
  /** Receives unexpected (internal) errors with their stacks; expected ones are not logged. */
  onInternalError?: (channel: string, err: unknown) => void;
}

export type Dispatch = (channel: unknown, payload: unknown) => Promise<Result<unknown>>;

export function createDispatch({ handlers, onInternalError }: DispatchOptions): Dispatch {
  return async (channel, payload) => {
    try {
      if (!isChannel(channel)) {
        throw new NotFoundError(`unknown channel ${JSON.stringify(channel)}; expected one of: ${Object.keys(requestSchemas).join(', ')}`);
      }
      const parsed = requestSchemas[channel].safeParse(payload);
      if (!parsed.success) {
        throw new ValidationError(`invalid payload for '${channel}': ${describeIssues(parsed.error)}`);
      }
      const handler = handlers[channel] as (request: unknown) => unknown;
      return { ok: true, value: await handler(parsed.data) };
    } catch (err) {
      if (!isExpectedError(err)) onInternalError?.(String(channel), err);
      return { ok: false, error: toWireError(err) };
    }
  };
}
