// The licence of a Hub model, read where the Hub itself reads it: the `license:` key of the YAML front
// matter at the top of the model card (README.md). The product needs it on every checkpoint and output
// (commercial-use flag, product.md "licence provenance"). Only top-level scalar keys are read, which is all
// the licence fields are; a full YAML parser is not worth a dependency here.

/** The front-matter block's top-level `key: value` scalars (quotes removed). Empty when there is none. */
export function readFrontMatter(card: string): Record<string, string> {
  const text = card.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!text.startsWith('---\n')) return {};
  const end = text.indexOf('\n---', 3);
  if (end < 0) return {};
  const out: Record<string, string> = {};
  for (const line of text.slice(4, end).split('\n')) {
    // Indented lines and list items belong to a nested value; comments are not data.
    const m = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!.replace(/\s+#.*$/, '').trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    if (value !== '') out[m[1]!] = value;
  }
  return out;
}

/**
 * The licence id from a model card (`mit`, `cc-by-nc-sa-4.0`, …). For `license: other` the card names the
 * licence in `license_name`, which is more useful to a user: "other: <name>". Null when the card has none.
 */
export function licenceFromCard(card: string): string | null {
  const meta = readFrontMatter(card);
  const licence = meta.license;
  if (!licence) return null;
  return licence === 'other' && meta.license_name ? `other: ${meta.license_name}` : licence;
}
