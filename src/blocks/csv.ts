/** CSV files attached to plans and runs (every record, every pod): RFC 4180 quoting, a final newline. */
export type CsvCell = string | number;

function cell(value: CsvCell): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line without its newline: for files built a part at a time. */
export function csvLine(row: readonly CsvCell[]): string {
  return row.map(cell).join(',');
}

export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return `${rows.map(csvLine).join('\n')}\n`;
}
