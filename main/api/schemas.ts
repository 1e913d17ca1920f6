// Runtime schemas for every request payload, one per channel. TypeScript types do not survive the
// trip across a process boundary, so each payload is parsed here before any handler sees it.
import { z } from 'zod';
import type { Channel } from '../../preload/contract.ts';

/** Calls without options still send one (empty) options object; a missing payload means {}. */
const noOptions = z.strictObject({}).default({});

export const requestSchemas = {
  'app:info': noOptions,
  'engine:info': noOptions,
} satisfies Record<Channel, z.ZodType>;

export const CHANNELS = Object.keys(requestSchemas) as Channel[];

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.hasOwn(requestSchemas, value);
}

/** "payload.size: Too small: expected number to be >=1" — one line per issue, naming the path. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${['payload', ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
}
