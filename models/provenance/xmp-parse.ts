// Reads the provenance fields back out of an XMP packet, ours or another tool's. Prefixes are looked up by
// namespace URI (another writer may call IPTC Extension "iptcExt" instead of "Iptc4xmpExt"), and both RDF
// spellings of a simple property are understood: an element (<ns:Prop>value</ns:Prop>) and an attribute
// of rdf:Description (ns:Prop="value"), which is how exiftool and Adobe tools often write it.
import { NS } from './xmp-namespaces.ts';

export interface ReadProvenance {
  /** IPTC digital source type URI, or null when the image has none. */
  digitalSourceType: string | null;
  generator: { name: string | null; version: string | null };
  checkpoint: { name: string | null; licence: string | null; source: string | null };
  task: string | null;
  /** The whole packet, for display or further parsing. */
  xmp: string;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function unescapeXml(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}

function prefixesOf(xmp: string, uri: string): string[] {
  const re = new RegExp(`xmlns:([A-Za-z_][\\w.-]*)\\s*=\\s*["']${escapeRe(uri)}["']`, 'g');
  return [...xmp.matchAll(re)].map((m) => m[1]!);
}

/** The first value of a simple property `uri`+`local`, or null. */
export function readXmpProperty(xmp: string, uri: string, local: string): string | null {
  for (const p of prefixesOf(xmp, uri)) {
    const name = escapeRe(`${p}:${local}`);
    const el = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xmp);
    if (el) return unescapeXml(el[1]!.trim());
    const res = new RegExp(`<${name}\\s[^>]*rdf:resource\\s*=\\s*"([^"]*)"`).exec(xmp);
    if (res) return unescapeXml(res[1]!);
    const attr = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`).exec(xmp) ?? new RegExp(`\\s${name}\\s*=\\s*'([^']*)'`).exec(xmp);
    if (attr) return unescapeXml(attr[1]!);
  }
  return null;
}

/** The provenance fields of an XMP packet (fields the packet lacks are null). */
export function parseXmpProvenance(xmp: string): ReadProvenance {
  const leffa = (k: string) => readXmpProperty(xmp, NS.leffa, k);
  const ext = (k: string) => readXmpProperty(xmp, NS.iptcExt, k);
  return {
    digitalSourceType: ext('DigitalSourceType'),
    // Other generators do not write our namespace; IPTC's "AI System Used" is the standard equivalent.
    generator: { name: leffa('GeneratorName') ?? ext('AISystemUsed'), version: leffa('GeneratorVersion') ?? ext('AISystemVersionUsed') },
    checkpoint: { name: leffa('CheckpointName'), licence: leffa('CheckpointLicence'), source: leffa('CheckpointSource') },
    task: leffa('Task'),
    xmp,
  };
}
