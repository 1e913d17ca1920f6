// Runs a zod schema over a public call's input and turns the first problem into a StoreError that names
// the argument path (`garmentIds[3]`), the value received and what was expected. Every write goes through
// here before anything touches the disk or the database.
import type { z } from 'zod';
import { StoreError, describeValue } from './errors.ts';

/** ['garmentIds', 3, 'sku'] -> 'garmentIds[3].sku'. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** zod's message without its generic prefix, starting with "expected ..." where zod says so. */
function expectedOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `no unknown keys (got ${issue.keys.map((k) => JSON.stringify(k)).join(', ')})`;
  // The value is already in the message; "received number" would only repeat it.
  if (issue.code === 'invalid_type') return issue.expected === 'int' ? 'an integer' : `${/^[aeiou]/i.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
  const text = issue.message.replace(/^(Invalid input|Invalid option|Too small|Too big|Invalid string|Invalid number): /, '');
  return text.startsWith('expected') ? text.slice('expected '.length) : text.charAt(0).toLowerCase() + text.slice(1);
}

export function parseArgs<S extends z.ZodType>(fn: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const issue = issues[0]!;
  const argument = formatPath(issue.path) || 'options';
  const value = 'input' in issue ? issue.input : undefined;
  const expected = expectedOf(issue);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new StoreError('validation', `${fn}: ${argument} is ${describeValue(value)}; expected ${expected}${more}`, { fn, argument, value, expected });
}
