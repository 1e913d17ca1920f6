// Turning whatever a failed call threw into one readable sentence for the screen: the message only,
// never a stack, never "[object Object]", and a hint for the kinds a user can act on.

const HINTS: Record<string, string> = {
  unavailable: 'The app server or the engine is not reachable right now.',
  forbidden: 'This window is not allowed to do that.',
};

/** Strips stack lines and "Error:" prefixes that sometimes travel inside messages. */
function firstLines(message: string): string {
  const lines = message.split('\n').filter((l) => !/^\s+at\s/.test(l));
  return lines.join(' ').replace(/^(\w*Error):\s*/, '').replace(/\s+/g, ' ').trim();
}

export function readableError(err: unknown, action?: string): string {
  let message: string;
  let kind: string | undefined;
  if (err instanceof Error) {
    message = firstLines(err.message);
    kind = (err as { kind?: string }).kind;
  } else if (typeof err === 'string') {
    message = firstLines(err);
  } else if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
    message = firstLines((err as { message: string }).message);
  } else {
    message = '';
  }
  if (!message) message = (kind && HINTS[kind]) ?? 'Something went wrong.';
  else if (kind === 'unavailable' && !/reach|closed|unavailable|down/i.test(message)) message = `${message} (${HINTS.unavailable})`;
  if (message.length > 400) message = `${message.slice(0, 399)}…`;
  return action ? `Could not ${action}: ${message}` : message;
}
