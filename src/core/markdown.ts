/**
 * The one escaper of text in the markdown we generate (docs/containers.md, the READMEs): every
 * table cell goes through `markdownCell` (plain text) or `codeCell` (inline code). Templates call
 * them as `this.cell(text)` and `this.code(text)` (see core/template.ts).
 */

/**
 * Text for a cell of a markdown table: a `|` would end the cell, so it is escaped; line breaks are spaces.
 */
export function markdownCell(text: string | number): string {
  return String(text).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/**
 * Text as inline code in a markdown table cell: a fence one backtick longer than the longest run
 * of backticks inside (padded when the text starts or ends with one), `|` escaped, line breaks
 * as spaces (a table row is one line).
 */
export function codeCell(text: string | number): string {
  const flat = String(text).replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return markdownCell(`${fence}${pad}${flat}${pad}${fence}`);
}

/** What templates reach as `this`: the markdown escapers. */
export const TEMPLATE_HELPERS = { cell: markdownCell, code: codeCell } as const;
