/**
 * The characters and pieces that break quoting in PowerShell: every quote character (single and double, the
 * smart ones, the doubled ones), backticks, `$(`, `${`, braces, separators, here-string openers and closers,
 * line breaks of every kind, NUL and other controls, lone surrogates, and a few ordinary and non-ASCII
 * characters. The quoting property tests build names from them.
 */
export const DANGEROUS_UNITS: readonly string[] = [
  "'", '\u2018', '\u2019', '\u201A', '\u201B', "''", '\u2019\u2019', "'\u2019",
  '"', '\u201C', '\u201D', '\u201E', '\u201F', '\u02BC',
  '`', '$', '$(', '${', '$_', '$true', ')', '(', '}', '{', ';', '&', '|', '#', '<#', '#>',
  "@'", "'@", '@"', '"@', '\n', '\r', '\r\n', '\u0085', '\u2028', '\u2029', '\0', '\u0007', '\u001B', '\u007F',
  '\uD800', '\uDC00', ' ', '\t', '\u00A0', 'é', 'ß', '漢', '😀', 'a', 'Z', '0', '-', '\\', '/', ':', '.', ',', '=',
];
