/**
 * Numbers typed by people (flags, PICOFLOW_* variables): plain decimal digits only. `Number()`
 * would also take `0x1F91`, `1e4`, `" 80"` and `""`, so a typo could bind another port.
 */
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** The integer `text` spells in decimal when it lies in [min, max]; undefined otherwise. */
export function parseDecimalInteger(text: string, min: number, max: number): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}
