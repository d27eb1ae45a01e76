/** Text for a cell of a markdown table: a `|` would end the cell, so it is escaped. */
export function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
