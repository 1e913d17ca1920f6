// Builds the XMP packet that marks an image as AI-generated (see info.ts for what goes in). The packet is
// deterministic, with no dates or random ids, so the same generation still gives byte-identical files
// (the CLI's reproducibility promise, test/models/cli/tryon-cli.test.ts).
import type { ProvenanceInfo } from './info.ts';
import { NS, PREFIX } from './xmp-namespaces.ts';

/** XMP packets wrapped this way can be found by byte scanners (XMP spec part 1, 7.3). */
const PACKET_ID = 'W5M0MpCehiHzreSzNTczkc9d';

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function need(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`xmpPacket: ${what} is ${JSON.stringify(value)}; expected a non-empty string`);
  // XML 1.0 cannot carry most control characters at all, even escaped.
  if ([...value].some((ch) => { const c = ch.charCodeAt(0); return c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d; })) throw new TypeError(`xmpPacket: ${what} contains control characters, which XMP cannot hold`);
  return value;
}

/** The XMP packet (UTF-8 text) for an image with this provenance. */
export function xmpPacket(info: ProvenanceInfo): string {
  const dst = need(info?.digitalSourceType, 'digitalSourceType');
  if (!/^https?:\/\//.test(dst)) throw new TypeError(`xmpPacket: digitalSourceType is ${JSON.stringify(dst)}; expected an IPTC digital source type URI (source-type.ts)`);
  const genName = need(info.generator?.name, 'generator.name');
  const genVersion = need(info.generator?.version, 'generator.version');
  const props: [string, string][] = [
    [`${PREFIX.iptcExt}:DigitalSourceType`, dst],
    [`${PREFIX.iptcExt}:AISystemUsed`, genName],
    [`${PREFIX.iptcExt}:AISystemVersionUsed`, genVersion],
    [`${PREFIX.xmp}:CreatorTool`, `${genName} ${genVersion}`],
    [`${PREFIX.leffa}:GeneratorName`, genName],
    [`${PREFIX.leffa}:GeneratorVersion`, genVersion],
    [`${PREFIX.leffa}:CheckpointName`, need(info.checkpoint?.name, 'checkpoint.name')],
    [`${PREFIX.leffa}:CheckpointLicence`, need(info.checkpoint?.licence, 'checkpoint.licence')],
  ];
  if (info.checkpoint.source) props.push([`${PREFIX.leffa}:CheckpointSource`, need(info.checkpoint.source, 'checkpoint.source')]);
  if (info.task) props.push([`${PREFIX.leffa}:Task`, need(info.task, 'task')]);
  const body = props.map(([k, v]) => `   <${k}>${escapeXml(v)}</${k}>`).join('\n');
  return [
    `<?xpacket begin="\uFEFF" id="${PACKET_ID}"?>`,
    `<x:xmpmeta xmlns:x="${NS.x}">`,
    ` <rdf:RDF xmlns:rdf="${NS.rdf}">`,
    `  <rdf:Description rdf:about=""`,
    `    xmlns:${PREFIX.xmp}="${NS.xmp}"`,
    `    xmlns:${PREFIX.iptcExt}="${NS.iptcExt}"`,
    `    xmlns:${PREFIX.leffa}="${NS.leffa}">`,
    body,
    `  </rdf:Description>`,
    ` </rdf:RDF>`,
    `</x:xmpmeta>`,
    `<?xpacket end="w"?>`,
  ].join('\n');
}
