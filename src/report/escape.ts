/** Characters XML 1.0 does not allow (C0 controls other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text from a trace (names chosen by users and clusters, event-log messages) made safe to put in an XML or
 * HTML document: characters a parser would reject become U+FFFD.
 */
export function printable(text: string): string {
  return text.replace(NOT_XML, '\uFFFD');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML (and inline SVG) element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return printable(String(value)).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
