/**
 * Text that a spreadsheet would read as a formula (=, +, -, @, or a tab/CR before them) is written with a
 * leading apostrophe, as OWASP advises for CSV/XLSX injection: a department's `=HYPERLINK("http://…")`
 * comes back in an export as text, never as a live formula. Numbers and dates are not strings and pass.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function safeCell<T>(v: T): T | string {
  if (typeof v !== 'string') return v;
  return FORMULA_START.test(v) ? `'${v}` : v;
}

export function safeRow(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) out[k] = safeCell(v);
  return out;
}
