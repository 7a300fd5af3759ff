import { generateFleet, type FleetCounts, type FleetSizeName } from '../fleet/generate.js';
import { startLab } from './lab.js';
import { login, request } from './testing.js';

export interface ListingBenchResult {
  servers: number;
  pages: number;
  bytes: number;
  generateMs: number;
  startMs: number;
  /** Per pass over all pages; the first pass fills the per-server view cache. */
  passes: { wallMs: number; serversPerSecond: number }[];
}

/**
 * Lists every server through `/servers/detail` with a plain sequential loop that
 * follows `servers_links`, the way a collector would. Not a test: a benchmark, run
 * on demand (e.g. `node -e "import('./dist/lab/openstack/listing-bench.js').then(m => m.benchServerListing()).then(console.log)"`).
 */
export async function benchServerListing(
  options: { seed?: string; size?: FleetSizeName | FleetCounts; microversion?: string; passes?: number } = {},
): Promise<ListingBenchResult> {
  let t = performance.now();
  const fleet = generateFleet({ seed: options.seed ?? 'bench', size: options.size ?? 'large' });
  const generateMs = performance.now() - t;
  t = performance.now();
  const lab = await startLab({ fleet });
  const startMs = performance.now() - t;
  try {
    const token = await login(lab);
    const passes: ListingBenchResult['passes'] = [];
    let servers = 0;
    let pages = 0;
    let bytes = 0;
    for (let pass = 0; pass < (options.passes ?? 2); pass++) {
      servers = 0;
      pages = 0;
      bytes = 0;
      t = performance.now();
      let url: string | undefined = `${lab.url}/compute/v2.1/servers/detail?all_tenants=1`;
      while (url) {
        const res = await request(url, { token, headers: { 'OpenStack-API-Version': `compute ${options.microversion ?? '2.96'}` } });
        const body = res.body as { servers: unknown[]; servers_links?: { rel: string; href: string }[] };
        servers += body.servers.length;
        pages++;
        bytes += res.text.length;
        url = body.servers_links?.find((l) => l.rel === 'next')?.href;
      }
      const wallMs = performance.now() - t;
      passes.push({ wallMs, serversPerSecond: (servers / wallMs) * 1000 });
    }
    return { servers, pages, bytes, generateMs, startMs, passes };
  } finally {
    await lab.stop();
  }
}
