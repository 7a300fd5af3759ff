import { z } from 'zod';

/**
 * Nova microversions ("2.88") are a major and a minor number compared as
 * integers, so "2.9" < "2.10"; they are not decimals.
 */
export interface Microversion {
  readonly major: number;
  readonly minor: number;
}

export function parseMicroversion(text: string): Microversion | undefined {
  const m = /^\s*(\d+)\.(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function formatMicroversion(v: Microversion): string {
  return `${v.major}.${v.minor}`;
}

export function compareMicroversions(a: Microversion, b: Microversion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

/** True when `negotiated` is at least `wanted` ("2.53"); false when no microversion is in use. */
export function atLeast(negotiated: string | null, wanted: string): boolean {
  if (negotiated === null) return false;
  const a = parseMicroversion(negotiated);
  const b = parseMicroversion(wanted);
  return a !== undefined && b !== undefined && compareMicroversions(a, b) >= 0;
}

const versionSchema = z.object({
  id: z.string(),
  status: z.string().optional(),
  // Both are "" on an endpoint that predates microversions (the legacy v2.0 API).
  version: z.string().default(''),
  min_version: z.string().default(''),
});

/** What GET on the compute version root answers: one version, or the list at the unversioned root. */
export const computeVersionDocumentSchema = z.union([
  z.object({ version: versionSchema }),
  z.object({ versions: z.array(versionSchema) }),
]);
export type ComputeVersionDocument = z.output<typeof computeVersionDocumentSchema>;

export interface NegotiatedMicroversion {
  /** The microversion sent on every compute request; null when the endpoint has none (legacy v2.0). */
  readonly version: string | null;
  readonly requested: string;
  /** The range the server announced, when discovery worked. */
  readonly serverMin?: string;
  readonly serverMax?: string;
  /** Why the negotiated version differs from the requested one, in words. */
  readonly note?: string;
}

/**
 * Picks the microversion to use: the requested one when the server supports it,
 * the server's maximum when that is lower. A server whose minimum is above the
 * requested version cannot serve this client the way it expects, which is an error.
 */
export function negotiateMicroversion(requested: string, doc: ComputeVersionDocument): NegotiatedMicroversion | { readonly error: string } {
  const want = parseMicroversion(requested);
  if (!want) return { error: `requested compute microversion "${requested}" is not of the form 2.N` };
  const version = 'version' in doc ? doc.version : (doc.versions.find((v) => v.id === 'v2.1') ?? doc.versions.find((v) => v.version !== ''));
  if (!version) return { version: null, requested, note: 'the compute endpoint lists no v2.1 API; sending no microversion' };
  if (version.version === '') return { version: null, requested, note: `the compute API ${version.id} has no microversions; sending none` };
  const max = parseMicroversion(version.version);
  const min = parseMicroversion(version.min_version) ?? { major: 2, minor: 1 };
  if (!max) return { error: `the compute API announced an unreadable maximum microversion "${version.version}"` };
  const range = { serverMin: formatMicroversion(min), serverMax: formatMicroversion(max) };
  if (compareMicroversions(want, min) < 0) {
    return { error: `the compute API supports microversions ${range.serverMin}–${range.serverMax}, above the requested ${requested}` };
  }
  if (compareMicroversions(want, max) > 0) {
    return { version: range.serverMax, requested, ...range, note: `the compute API supports at most ${range.serverMax}; using it instead of ${requested}` };
  }
  return { version: formatMicroversion(want), requested, ...range };
}

/** The headers that select a compute microversion: the standard one and the legacy one older clouds read. */
export function microversionHeaders(version: string | null): Record<string, string> {
  if (version === null) return {};
  return { 'OpenStack-API-Version': `compute ${version}`, 'X-OpenStack-Nova-API-Version': version };
}

/**
 * The root that answers version discovery for a compute endpoint. Catalog URLs
 * often carry the project id after the version (`…/v2.1/<project>`), which the
 * version document does not live under.
 */
export function computeVersionRoot(endpointUrl: string): string {
  const url = new URL(endpointUrl);
  const m = /^(.*?\/v2(?:\.\d+)?)(?:\/|$)/.exec(url.pathname);
  url.pathname = m ? `${m[1]}/` : url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  url.search = '';
  return url.toString();
}
