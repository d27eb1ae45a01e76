/** Text for a cell of a markdown table: a `|` would end the cell, so it is escaped. */
export function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/**
 * Text as inline code in a markdown table cell: a fence one backtick longer than the longest run
 * of backticks inside (padded when the text starts or ends with one), `|` escaped, line breaks
 * as spaces (a table row is one line).
 */
export function codeCell(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return markdownCell(`${fence}${pad}${flat}${pad}${fence}`);
}
