/** CSV files attached to plans and runs (every record, every pod): RFC 4180 quoting, a final newline. */
export type CsvCell = string | number;

function cell(value: CsvCell): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return `${rows.map((row) => row.map(cell).join(',')).join('\n')}\n`;
}
