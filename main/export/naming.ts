// Export file names from a template with tokens: {sku}, {colourway}, {model}, {view}, {seed}, {index}
// (1-based, zero-padded to the export's size), {result} (the result id) and {checkpoint}. An unknown token
// is an error that names it. Token values are sanitised (anything but letters, digits, "-", "_" and "." becomes
// "-"); the template's own text is not rewritten but checked: a name that could leave the target folder
// (a folder separator, "..", an absolute path, a drive letter, NUL or another control character, a name
// Windows reserves such as CON or LPT1, a trailing dot or space) is refused before anything is written.
import { ValidationError } from '../api/errors.ts';

export const TEMPLATE_TOKENS = ['sku', 'colourway', 'model', 'view', 'seed', 'index', 'result', 'checkpoint'] as const;
export type TemplateToken = (typeof TEMPLATE_TOKENS)[number];
export type TokenValues = Record<Exclude<TemplateToken, 'index'>, string | number | null>;

export type TemplatePart = { text: string } | { token: TemplateToken };

/** Parses a template; throws a ValidationError naming an unknown token or an unmatched brace. */
export function parseTemplate(template: string): TemplatePart[] {
  if (typeof template !== 'string' || template.length === 0) throw new ValidationError(`template is ${JSON.stringify(template)}; expected a non-empty string such as "{sku}_{view}"`);
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    const close = template.indexOf('}', i);
    if (close !== -1 && (open === -1 || close < open)) throw new ValidationError(`template ${JSON.stringify(template)} has a "}" without "{" at position ${close}; expected tokens written as {name}`);
    if (open === -1) {
      parts.push({ text: template.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: template.slice(i, open) });
    const end = template.indexOf('}', open);
    if (end === -1) throw new ValidationError(`template ${JSON.stringify(template)} has a "{" without "}" at position ${open}; expected tokens written as {name}`);
    const name = template.slice(open + 1, end).trim();
    if (!(TEMPLATE_TOKENS as readonly string[]).includes(name)) {
      throw new ValidationError(`template ${JSON.stringify(template)} uses the unknown token {${name}}; expected one of ${TEMPLATE_TOKENS.map((t) => `{${t}}`).join(', ')}`);
    }
    parts.push({ token: name as TemplateToken });
    i = end + 1;
  }
  if (!parts.some((p) => 'token' in p)) throw new ValidationError(`template ${JSON.stringify(template)} has no token; expected at least one, e.g. {index} or {result}, so that names differ`);
  return parts;
}

/** A token value made safe for a file name: no separators, no dots at the start, no control characters. */
export function sanitiseValue(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return 'none';
  const s = String(value)
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '');
  return s === '' ? 'none' : s.slice(0, 80);
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** Why `name` (with its extension) cannot be a file inside the target folder, or null when it can. */
export function unsafeNameReason(name: string): string | null {
  if (name.length === 0) return 'the name is empty';
  if (name.includes('\0')) return 'it contains a NUL character';
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return 'it contains a control character';
  if (name.startsWith('/') || name.startsWith('\\')) return 'it is an absolute path';
  if (/^[a-zA-Z]:/.test(name)) return 'it starts with a drive letter';
  if (name.split(/[\\/]/).some((seg) => seg === '..')) return 'it contains ".." (the parent folder)';
  if (/[\\/]/.test(name)) return 'it contains a folder separator ("/" or "\\")';
  if (name === '.' || name === '..') return 'it names a folder, not a file';
  if (/[<>:"|?*]/.test(name)) return 'it contains one of < > : " | ? *, which Windows refuses';
  if (WINDOWS_RESERVED.test(name)) return `"${name.split('.')[0]}" is a name Windows reserves for a device`;
  if (/[. ]$/.test(name)) return 'it ends with a dot or a space, which Windows drops';
  if (name.startsWith('.')) return 'it starts with a dot (a hidden file)';
  if (Buffer.byteLength(name) > 200) return 'it is longer than 200 bytes';
  return null;
}

export interface RenderedName {
  fileName: string;
  /** Why the name is refused (unsafeNameReason), or null. */
  refused: string | null;
}

/** The file name for one item: tokens filled in and sanitised, the extension added, then checked. */
export function renderName(parts: TemplatePart[], values: TokenValues, index: number, total: number, extension: string): RenderedName {
  const width = Math.max(3, String(total).length);
  const body = parts.map((p) => ('text' in p ? p.text : p.token === 'index' ? String(index + 1).padStart(width, '0') : sanitiseValue(values[p.token]))).join('');
  const fileName = `${body}.${extension}`;
  return { fileName, refused: unsafeNameReason(fileName) };
}

/** Throws a ValidationError for the first refused name (before anything is written). */
export function assertNamesSafe(names: RenderedName[], template: string): void {
  const bad = names.find((n) => n.refused);
  if (bad) throw new ValidationError(`template ${JSON.stringify(template)} gives the file name ${JSON.stringify(bad.fileName)}, which is refused because ${bad.refused}; expected a plain file name inside the chosen folder`);
}
