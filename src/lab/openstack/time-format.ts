/** The timestamp spellings the OpenStack APIs use, which differ by field. */

/** `2026-11-25T14:57:02Z` (Nova server created/updated, Keystone has its own). */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** `2026-11-25T14:57:02.000000` (Nova launched_at, service updated_at, actions). */
export function isoMicros(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000`;
}

/** `2026-11-25T14:57:02.000000Z` (Keystone token expires_at / issued_at). */
export function isoMicrosZ(ms: number): string {
  return `${isoMicros(ms)}Z`;
}

/** `2026-11-25 14:57:02` (Neutron agent timestamps). */
export function spaceSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Parses the ISO 8601 forms Nova accepts in `changes-since`; a missing zone means
 * UTC. Returns NaN when the text is not a timestamp.
 */
export function parseIsoTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '0', zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.floor(Number(`0.${frac}`) * 1000));
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return ms;
}
