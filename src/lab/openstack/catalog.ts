import { createHash } from 'node:crypto';
import type { LabRegion } from '../fleet/types.js';

export interface CatalogService {
  type: string;
  name: string;
  /** Path below the origin; region-local services get the region prefix. */
  path: string;
  regional: boolean;
}

/** The services the lab answers for and where. */
export const CATALOG_SERVICES: readonly CatalogService[] = [
  { type: 'identity', name: 'keystone', path: '/identity', regional: false },
  { type: 'compute', name: 'nova', path: '/compute/v2.1', regional: true },
  { type: 'network', name: 'neutron', path: '/network', regional: true },
  { type: 'image', name: 'glance', path: '/image', regional: true },
];

const INTERFACES = ['public', 'internal', 'admin'] as const;

function stableId(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 32);
}

export function serviceUrl(hostOrigin: string, service: CatalogService, regionId: string): string {
  return service.regional ? `${hostOrigin}/${regionId}${service.path}` : `${hostOrigin}${service.path}`;
}

/** The token's `catalog`: every service in every region, on each interface. */
export function buildCatalog(hostOrigin: string, regions: readonly LabRegion[]): unknown[] {
  return CATALOG_SERVICES.map((service) => ({
    id: stableId(`service/${service.type}`),
    type: service.type,
    name: service.name,
    endpoints: regions.flatMap((region) =>
      INTERFACES.map((iface) => ({
        id: stableId(`endpoint/${service.type}/${region.id}/${iface}`),
        interface: iface,
        region_id: region.id,
        region: region.id,
        url: serviceUrl(hostOrigin, service, region.id),
      })),
    ),
  }));
}
