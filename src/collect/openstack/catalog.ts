import { z } from 'zod';
import { CollectorError } from '../../core/errors.js';

export type EndpointInterface = 'public' | 'internal' | 'admin';

const endpointSchema = z.object({
  id: z.string().optional(),
  interface: z.string(),
  region_id: z.string().nullable().optional(),
  region: z.string().nullable().optional(),
  url: z.string().min(1),
});

export const catalogSchema = z.array(
  z.object({
    type: z.string(),
    name: z.string().optional(),
    id: z.string().optional(),
    endpoints: z.array(endpointSchema).default([]),
  }),
);
export type Catalog = z.output<typeof catalogSchema>;

export interface SelectedEndpoint {
  readonly serviceType: string;
  readonly url: string;
  readonly interface: EndpointInterface;
  /** The region the endpoint belongs to; undefined when the catalog names none. */
  readonly region: string | undefined;
}

const regionOf = (e: { region_id?: string | null | undefined; region?: string | null | undefined }): string | undefined =>
  e.region_id ?? e.region ?? undefined;

/**
 * Finds the one endpoint of a service type for an interface and region. When
 * nothing matches, or the choice is ambiguous, the error lists what the catalog
 * does offer so the operator can fix `interface` or `region_name` at once.
 */
export function selectEndpoint(catalog: Catalog, serviceType: string, iface: EndpointInterface, region: string | undefined): SelectedEndpoint {
  const services = catalog.filter((s) => s.type === serviceType);
  if (services.length === 0) {
    const types = [...new Set(catalog.map((s) => s.type))].sort();
    throw new CollectorError(
      `the service catalog has no "${serviceType}" service${types.length ? ` (it lists: ${types.join(', ')})` : ' (it is empty: is the token scoped to a project?)'}`,
    );
  }
  const all = services.flatMap((s) => s.endpoints);
  const candidates = all.filter((e) => e.interface === iface && (region === undefined || e.region_id === region || e.region === region));
  const offered = (): string => all.map((e) => `${e.interface}@${regionOf(e) ?? '(no region)'}`).sort().join(', ') || 'no endpoints';
  if (candidates.length === 0) {
    throw new CollectorError(
      `no ${serviceType} endpoint with interface "${iface}"${region !== undefined ? ` in region "${region}"` : ''}; the catalog offers ${serviceType}: ${offered()}`,
    );
  }
  const regions = [...new Set(candidates.map(regionOf))];
  if (region === undefined && regions.length > 1) {
    throw new CollectorError(
      `${serviceType} has "${iface}" endpoints in several regions (${regions.map((r) => r ?? '(no region)').sort().join(', ')}); set the region name to choose one`,
    );
  }
  const chosen = candidates[0] as (typeof candidates)[number];
  return { serviceType, url: chosen.url, interface: iface, region: regionOf(chosen) };
}

/** The distinct regions the catalog has endpoints in, sorted. */
export function catalogRegions(catalog: Catalog): string[] {
  const out = new Set<string>();
  for (const service of catalog) for (const e of service.endpoints) {
    const r = regionOf(e);
    if (r) out.add(r);
  }
  return [...out].sort();
}

/** Joins an endpoint URL and a path without doubling or dropping the slash between them. */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
