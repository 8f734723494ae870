// A markdown table from rows of cells (prettier aligns it afterwards).

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export const markdownTable = (header: readonly string[], rows: readonly string[][]): string =>
  [header, header.map(() => '---'), ...rows]
    .map((row) => `| ${row.map(cell).join(' | ')} |`)
    .join('\n');
