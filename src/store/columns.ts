/**
 * Column values as the engines hand them back: a timestamp comes as a Date or
 * as text, and a jsonb column parsed or as text, depending on the driver and
 * the query. Every reader of the run and list tables goes through these, so a
 * row reads the same whichever engine and whichever query fetched it.
 */

export const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

export const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
