/**
 * Both engines hand values back the same way: timestamps as ISO strings in UTC,
 * 64-bit integers and numerics as numbers (counts and ids here stay far below 2^53).
 * Without this PGlite gives Dates and numbers where node-postgres gives strings.
 */
export const OID = { int8: 20, numeric: 1700, timestamptz: 1184 } as const;

export function isoFromPg(text: string): string {
  // PostgreSQL prints `2026-12-03 12:00:00.123+00`; Date wants a T and a full offset.
  const normal = text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const t = Date.parse(normal);
  return Number.isNaN(t) ? text : new Date(t).toISOString();
}

export const PARSERS: Readonly<Record<number, (text: string) => unknown>> = {
  [OID.int8]: Number,
  [OID.numeric]: Number,
  [OID.timestamptz]: isoFromPg,
};
