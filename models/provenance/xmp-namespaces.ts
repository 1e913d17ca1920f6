// The XMP namespaces the provenance packet uses. IPTC Extension carries the standard fields (digital
// source type, and since IPTC 2025.1 "AI System Used" / "AI System Version Used"); the checkpoint's name
// and licence have no standard home, so they live in a namespace of our own. It is a URN on purpose: it
// claims no web domain, and XMP only needs a unique URI.
export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  iptcExt: 'http://iptc.org/std/Iptc4xmpExt/2008-02-29/',
  leffa: 'urn:leffa-studio:provenance:1/',
} as const;

/** The prefix each namespace is written with (readers look prefixes up by URI, see xmp-parse.ts). */
export const PREFIX = { xmp: 'xmp', iptcExt: 'Iptc4xmpExt', leffa: 'leffa' } as const;
