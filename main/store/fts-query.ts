// Turns what a user types into a safe FTS5 query. Raw input cannot go to MATCH: `"`, `*`, `-`, `:` and
// words like AND/NOT are query syntax, so "AB-12" or a stray quote would be an error or a different
// query. Every word becomes a quoted prefix term ("ab"* "12"*), all of which must match: typing a SKU's
// start, a name's word or a tag finds it.
const WORD = /[\p{L}\p{N}]+/gu;
const MAX_TERMS = 12;

export function ftsQuery(text: string | undefined): string | null {
  if (!text) return null;
  const words = text.normalize('NFKC').match(WORD);
  if (!words) return null;
  return words.slice(0, MAX_TERMS).map((w) => `"${w}"*`).join(' ');
}
