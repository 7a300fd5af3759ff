import { createRandom, type Random } from './random.js';
import {
  PowerState,
  type LabApplicationCredential,
  type LabComputeService,
  type LabFlavor,
  type LabFleet,
  type LabHardware,
  type LabHistoryEntry,
  type LabHypervisor,
  type LabImage,
  type LabNetworkAgent,
  type LabProject,
  type LabRegion,
  type LabRole,
  type LabServer,
  type LabUser,
  type ServerRole,
} from './types.js';

export type FleetSizeName = 'small' | 'medium' | 'large';

export interface FleetCounts {
  regions: number;
  hypervisors: number;
  servers: number;
  /** The most servers a Kubernetes cluster gets before its project starts another in that region (default 40). */
  clusterNodes?: number;
}

export const FLEET_SIZES: Readonly<Record<FleetSizeName, FleetCounts>> = {
  small: { regions: 2, hypervisors: 8, servers: 60 },
  medium: { regions: 4, hypervisors: 200, servers: 5_000 },
  large: { regions: 11, hypervisors: 2_000, servers: 100_000 },
};

/** Well-known lab credentials; the lab is loopback-only, so these are not secrets. */
export const LAB_CREDENTIALS = {
  domain: 'Default',
  admin: { username: 'admin', password: 'lab-admin-password', project: 'admin' },
  viewer: { username: 'viewer', password: 'lab-viewer-password' },
  applicationCredential: { name: 'faultline-lab' },
} as const;

export interface GenerateFleetOptions {
  seed: string | number;
  size: FleetSizeName | FleetCounts;
  /** Every generated timestamp lies before this instant (ms since epoch). */
  now?: number;
}

/** Fixed default so that (seed, size) alone decide the whole fleet. */
export const DEFAULT_FLEET_EPOCH = Date.UTC(2026, 10, 1, 0, 0, 0);

const REGION_NAMES = [
  'pg1', 'hn1dev', 'ay1prod', 'ay1dev', 'hn1prod', 'pg2', 'gs1prod', 'gs1dev', 'pg1dev', 'ay2prod', 'hn2dev',
  'gs2prod', 'pg3', 'ay2dev', 'hn2prod', 'gs2dev',
];

const TEAMS = [
  'commerce', 'payments', 'search', 'ads', 'messaging', 'identity', 'dataplat', 'mlserve', 'observ', 'gameops',
  'maps', 'video', 'billing', 'notify', 'catalog', 'review', 'delivery', 'coupon', 'recsys', 'chat', 'auth',
  'storage', 'media', 'ledger', 'crm', 'batchops', 'devtools', 'mail', 'calendar', 'wiki',
];

const CPU_MODELS = ['Skylake-Server-IBRS', 'Cascadelake-Server', 'Icelake-Server', 'Broadwell-IBRS'];

/** The boxes hypervisors run on. The last has no spare in any pool, so the lab has a box that finds none. */
const HARDWARE: readonly LabHardware[] = [
  { model: 'R630', memoryGiB: 16, memoryMHz: 2133, disk: 'nvme', diskGB: 1920 },
  { model: 'R640', memoryGiB: 32, memoryMHz: 2666, disk: 'nvme', diskGB: 3840 },
  { model: 'R740', memoryGiB: 32, memoryMHz: 2933, disk: 'ssd', diskGB: 1920 },
];

/**
 * Each center's spare pool: a full match for the R630 boxes, a model-and-memory
 * match (other disk) for them, and a full match for the R640 boxes.
 */
const SPARE_POOL: readonly LabHardware[] = [
  { model: 'R630', memoryGiB: 16, memoryMHz: 2133, disk: 'nvme', diskGB: 1920 },
  { model: 'R630', memoryGiB: 16, memoryMHz: 2133, disk: 'ssd', diskGB: 960 },
  { model: 'R640', memoryGiB: 32, memoryMHz: 2666, disk: 'nvme', diskGB: 3840 },
];

/** The runbook's spare name: `krane-<center>-forfault-<model>-m<GiB>g<MHz>-<disk><GB>-<seq>`. */
export function spareName(center: string, hw: LabHardware, seq: number): string {
  return `krane-${center}-forfault-${hw.model.toLowerCase().replace(/[^a-z0-9]/g, '')}-m${hw.memoryGiB}g${hw.memoryMHz}-${hw.disk}${hw.diskGB}-${pad(seq, 3)}`;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

export function resolveFleetCounts(size: FleetSizeName | FleetCounts): FleetCounts {
  const counts = typeof size === 'string' ? FLEET_SIZES[size] : size;
  if (!counts) throw new Error(`unknown fleet size ${String(size)}`);
  const { regions, hypervisors, servers } = counts;
  for (const [name, value] of Object.entries({ regions, hypervisors, servers })) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`fleet ${name} must be a non-negative integer, got ${value}`);
  }
  if (regions < 1) throw new Error('a fleet needs at least one region');
  if (servers > 0 && hypervisors < 1) throw new Error('servers need at least one hypervisor');
  if (servers > 4_000_000) throw new Error('at most 4,000,000 servers fit in 127.0.0.0/8 here');
  const { clusterNodes } = counts;
  if (clusterNodes !== undefined && (!Number.isInteger(clusterNodes) || clusterNodes < 1)) throw new Error(`fleet clusterNodes must be a positive integer, got ${clusterNodes}`);
  return { regions, hypervisors, servers, ...(clusterNodes !== undefined ? { clusterNodes } : {}) };
}

function regionAt(index: number): LabRegion {
  const id = REGION_NAMES[index] ?? `${['pg', 'ay', 'hn', 'gs'][index % 4]}${Math.floor(index / 4) + 3}${index % 2 ? 'dev' : 'prod'}`;
  const center = /^[a-z]+/.exec(id)?.[0] ?? id;
  const zone = id.endsWith('dev') ? 'dev' : 'prod';
  return { id, center, zone, availabilityZone: `${id}-az1` };
}

/**
 * A unique loopback address per index, never 127.0.0.x (127.0.0.1 is the lab
 * itself) and never a .0 or .255 last octet, which some tools treat specially.
 */
export function loopbackAddress(index: number, base = 0x000100): string {
  const perBlock = 254;
  const block = Math.floor(index / perBlock);
  const host = (index % perBlock) + 1;
  const n = base + block * 256 + host;
  if (n > 0xfffffe) throw new Error('loopback address space exhausted');
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Hypervisors live high in 127/8 (127.250.0.0 up), far from the servers. */
const HYPERVISOR_ADDRESS_BASE = 0xfa0000;

function mac(random: Random): string {
  const h = random.hex(6);
  return `fa:16:3e:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function buildFlavors(random: Random): LabFlavor[] {
  const specs: [string, number, number, number][] = [
    ['m1.small', 1, 2048, 20],
    ['m1.medium', 2, 4096, 40],
    ['m1.large', 4, 8192, 80],
    ['m1.xlarge', 8, 16384, 160],
    ['c4m8', 4, 8192, 50],
    ['c8m16', 8, 16384, 100],
    ['c16m32', 16, 32768, 100],
    ['r8m64', 8, 65536, 100],
    ['db.large', 8, 32768, 200],
    ['db.xlarge', 16, 65536, 400],
    ['amphora', 1, 1024, 20],
  ];
  return specs.map(([name, vcpus, ramMb, diskGb]): LabFlavor => ({
    id: random.uuid(),
    name,
    vcpus,
    ramMb,
    diskGb,
    ephemeralGb: 0,
    swapMb: 0,
    isPublic: name !== 'amphora',
    extraSpecs: name.startsWith('db.') ? { 'hw:cpu_policy': 'dedicated' } : name === 'amphora' ? { 'hw:watchdog_action': 'reset' } : ({} as Record<string, string>),
  }));
}

function buildImages(random: Random, now: number, adminProjectId: string, serviceProjectId: string): LabImage[] {
  const specs: [string, string, number][] = [
    ['ubuntu-22.04-server-cloudimg-amd64', 'ubuntu', 680],
    ['ubuntu-20.04-server-cloudimg-amd64', 'ubuntu', 620],
    ['rocky-9.3-genericcloud', 'rocky', 1050],
    ['centos-7-x86_64-GenericCloud-2211', 'centos', 880],
    ['debian-12-genericcloud-amd64', 'debian', 420],
    ['krane-k8s-node-1.27-ubuntu-22.04', 'ubuntu', 2300],
    ['amphora-x64-haproxy-ubuntu-focal', 'ubuntu', 360],
  ];
  return specs.map(([name, osDistro, sizeMb], i) => ({
    id: random.uuid(),
    name,
    sizeBytes: sizeMb * 1024 * 1024 + random.int(0, 1 << 20),
    minDiskGb: 0,
    minRamMb: 0,
    createdAt: now - (900 - i * 60) * DAY,
    ownerProjectId: name.startsWith('amphora') ? serviceProjectId : adminProjectId,
    visibility: name.startsWith('amphora') ? 'private' : 'public',
    osDistro,
  }));
}

interface ProjectPlan {
  project: LabProject;
  team: string;
  env: 'prod' | 'dev';
  deployerId: string;
}

/**
 * Generates a whole fleet from (seed, size). Same inputs, same fleet: names, UUIDs,
 * placement and states all come from one seeded source, forked per concern so that
 * adding a field later does not reshuffle everything else.
 */
export function generateFleet(options: GenerateFleetOptions): LabFleet {
  const counts = resolveFleetCounts(options.size);
  const seed = String(options.seed);
  const now = options.now ?? DEFAULT_FLEET_EPOCH;
  const root = createRandom(seed);
  const idRandom = root.fork('ids');

  const regions = Array.from({ length: counts.regions }, (_, i) => regionAt(i));

  // Identity.
  const domains = [{ id: 'default', name: 'Default' }];
  const roles: LabRole[] = ['admin', 'member', 'reader'].map((name) => ({ id: idRandom.hex(32), name }));
  const adminProject: LabProject = { id: idRandom.hex(32), name: 'admin', domainId: 'default' };
  const serviceProject: LabProject = { id: idRandom.hex(32), name: 'service', domainId: 'default' };
  const teamRandom = root.fork('projects');
  const projectCount = Math.max(3, Math.min(60, Math.ceil(counts.servers / 400)));
  const plans: ProjectPlan[] = [];
  for (let i = 0; i < projectCount; i++) {
    const team = TEAMS[i % TEAMS.length] as string;
    const round = Math.floor(i / TEAMS.length);
    const env = i % 3 === 2 ? 'dev' : 'prod';
    const name = `${team}${round ? round + 1 : ''}-${env}`;
    plans.push({ project: { id: teamRandom.hex(32), name, domainId: 'default' }, team, env, deployerId: teamRandom.hex(32) });
  }
  const projects = [adminProject, serviceProject, ...plans.map((p) => p.project)];
  const firstPlan = plans[0] as ProjectPlan;
  const users: LabUser[] = [
    {
      id: idRandom.hex(32),
      name: LAB_CREDENTIALS.admin.username,
      password: LAB_CREDENTIALS.admin.password,
      domainId: 'default',
      defaultProjectId: adminProject.id,
      roles: ['admin', 'member', 'reader'],
    },
    {
      id: idRandom.hex(32),
      name: LAB_CREDENTIALS.viewer.username,
      password: LAB_CREDENTIALS.viewer.password,
      domainId: 'default',
      defaultProjectId: firstPlan.project.id,
      roles: ['member', 'reader'],
    },
    {
      id: idRandom.hex(32),
      name: 'octavia',
      password: idRandom.hex(24),
      domainId: 'default',
      defaultProjectId: serviceProject.id,
      roles: ['admin'],
    },
    ...plans.map((p) => ({
      id: p.deployerId,
      name: `${p.project.name}-deployer`,
      password: idRandom.hex(24),
      domainId: 'default',
      defaultProjectId: p.project.id,
      roles: ['member', 'reader'],
    })),
  ];
  const adminUser = users[0] as LabUser;
  const octaviaUser = users[2] as LabUser;
  const applicationCredentials: LabApplicationCredential[] = [
    {
      id: idRandom.hex(32),
      name: LAB_CREDENTIALS.applicationCredential.name,
      secret: idRandom.hex(40),
      userId: adminUser.id,
      projectId: adminProject.id,
      roles: ['admin', 'member', 'reader'],
    },
  ];

  const flavors = buildFlavors(root.fork('flavors'));
  const images = buildImages(root.fork('images'), now, adminProject.id, serviceProject.id);
  const flavorByName = new Map(flavors.map((f) => [f.name, f]));
  const flavor = (name: string): LabFlavor => flavorByName.get(name) as LabFlavor;
  const amphoraImage = images.find((i) => i.name.startsWith('amphora')) as LabImage;
  const nodeImage = images.find((i) => i.name.startsWith('krane-k8s')) as LabImage;
  const generalImages = images.filter((i) => i !== amphoraImage && i !== nodeImage);

  // Hypervisors, spread over regions with the first regions a little larger.
  const hvRandom = root.fork('hypervisors');
  const hypervisors: LabHypervisor[] = [];
  const regionWeights = regions.map((r, i) => [r, 1 + 1 / (i + 1)] as const);
  const perRegion = new Map<string, number>(regions.map((r) => [r.id, 0]));
  const hvRegion: LabRegion[] = [];
  for (let i = 0; i < counts.hypervisors; i++) {
    // Every region gets at least one hypervisor while there are enough to go round.
    const region = i < regions.length ? (regions[i] as LabRegion) : hvRandom.weighted(regionWeights);
    hvRegion.push(region);
  }
  // Stable per-region numbering: sort by region order, then number with small gaps.
  const regionIndex = new Map(regions.map((r, i) => [r.id, i]));
  hvRegion.sort((a, b) => (regionIndex.get(a.id) as number) - (regionIndex.get(b.id) as number));
  const nextNumber = new Map<string, number>();
  for (const region of hvRegion) {
    const n = (nextNumber.get(region.id) ?? hvRandom.int(1, 20)) + (hvRandom.chance(0.1) ? hvRandom.int(2, 6) : 1);
    nextNumber.set(region.id, n);
    perRegion.set(region.id, (perRegion.get(region.id) ?? 0) + 1);
    const index = hypervisors.length;
    hypervisors.push({
      id: hvRandom.uuid(),
      legacyId: index + 1,
      hostname: `krane-${region.id}-com${pad(n, 3)}`,
      regionId: region.id,
      availabilityZone: region.availabilityZone,
      hostIp: loopbackAddress(index, HYPERVISOR_ADDRESS_BASE),
      vcpus: hvRandom.pick([48, 64, 96, 128]),
      memoryMb: hvRandom.pick([256, 384, 512, 768, 1024]) * 1024,
      localGb: hvRandom.pick([1788, 3576, 7152]),
      cpuModel: hvRandom.pick(CPU_MODELS),
      hypervisorType: 'QEMU',
      hypervisorVersion: hvRandom.pick([4002000, 6002000, 8000000]),
      // Filled in below from their own random stream, so the fields above stay as they were.
      hardware: HARDWARE[0] as LabHardware,
      warrantyUntil: 0,
      spare: false,
    });
  }
  const hwRandom = root.fork('hardware');
  const midnight = (t: number): number => t - (t % DAY);
  for (const hv of hypervisors) {
    hv.hardware = { ...hwRandom.pick(HARDWARE) };
    // About a third are out of warranty: the lab shows both answers (RMA or re-procure).
    hv.warrantyUntil = midnight(now + hwRandom.int(-400, 900) * DAY);
  }
  // Compute hypervisors only: servers are placed on these, spares stay empty.
  const compute = [...hypervisors];
  const spareRandom = root.fork('spares');
  const centers = [...new Set(regions.map((r) => r.center))];
  for (const center of centers) {
    const region = regions.find((r) => r.center === center) as LabRegion;
    SPARE_POOL.forEach((hw, k) => {
      const index = hypervisors.length;
      hypervisors.push({
        id: spareRandom.uuid(),
        legacyId: index + 1,
        hostname: spareName(center, hw, k + 1),
        regionId: region.id,
        availabilityZone: region.availabilityZone,
        hostIp: loopbackAddress(index, HYPERVISOR_ADDRESS_BASE),
        vcpus: 48,
        memoryMb: 256 * 1024,
        localGb: hw.diskGB,
        cpuModel: spareRandom.pick(CPU_MODELS),
        hypervisorType: 'QEMU',
        hypervisorVersion: 8000000,
        hardware: { ...hw },
        warrantyUntil: midnight(now + 700 * DAY),
        spare: true,
      });
    });
  }

  // Services and agents: nova-compute and three Neutron agents per hypervisor,
  // conductor and scheduler on three controllers per region.
  const svcRandom = root.fork('services');
  const services: LabComputeService[] = [];
  const agents: LabNetworkAgent[] = [];
  let serviceNumber = 1;
  for (const region of regions) {
    for (let c = 1; c <= 3; c++) {
      const host = `krane-${region.id}-ctl${pad(c, 3)}`;
      for (const binary of ['nova-conductor', 'nova-scheduler'] as const) {
        services.push({
          id: svcRandom.uuid(),
          legacyId: serviceNumber++,
          binary,
          host,
          regionId: region.id,
          zone: 'internal',
          disabled: false,
          disabledReason: null,
          forcedDown: false,
          lastHeartbeatAt: null,
          createdAt: now - svcRandom.int(800, 1200) * DAY,
        });
      }
    }
  }
  for (const hv of hypervisors) {
    const createdAt = now - svcRandom.int(30, 1100) * DAY;
    services.push({
      id: svcRandom.uuid(),
      legacyId: serviceNumber++,
      binary: 'nova-compute',
      host: hv.hostname,
      regionId: hv.regionId,
      zone: hv.availabilityZone,
      disabled: false,
      disabledReason: null,
      forcedDown: false,
      lastHeartbeatAt: null,
      createdAt,
    });
    const startedAt = now - svcRandom.int(1, 90) * DAY;
    const agentSpecs = [
      ['neutron-linuxbridge-agent', 'Linux bridge agent', 'N/A', null, { bridge_mappings: {}, interface_mappings: { physnet1: 'bond0' }, devices: 0 }],
      ['neutron-dhcp-agent', 'DHCP agent', 'dhcp_agent', hv.availabilityZone, { dhcp_driver: 'neutron.agent.linux.dhcp.Dnsmasq', networks: 0, ports: 0, subnets: 0 }],
      ['neutron-metadata-agent', 'Metadata agent', 'N/A', null, { metadata_proxy_socket: '/var/lib/neutron/metadata_proxy', log_agent_heartbeats: false }],
    ] as const;
    for (const [binary, agentType, topic, az, configurations] of agentSpecs) {
      agents.push({
        id: svcRandom.uuid(),
        binary,
        agentType,
        topic,
        host: hv.hostname,
        regionId: hv.regionId,
        availabilityZone: az,
        adminStateUp: true,
        lastHeartbeatAt: null,
        createdAt,
        startedAt,
        configurations: { ...configurations },
      });
    }
  }

  // Servers.
  const srvRandom = root.fork('servers');
  const servers: LabServer[] = [];
  const nameCounters = new Map<string, number>();
  const counter = (key: string): number => {
    const n = (nameCounters.get(key) ?? 0) + 1;
    nameCounters.set(key, n);
    return n;
  };
  const clusterOf = new Map<string, { name: string; size: number; masters: number }>();
  let instanceNumber = srvRandom.int(100, 5000);
  const hvByRegion = new Map<string, LabHypervisor[]>();
  for (const hv of compute) {
    const list = hvByRegion.get(hv.regionId) ?? [];
    list.push(hv);
    hvByRegion.set(hv.regionId, list);
  }
  const roleWeights: (readonly [ServerRole, number])[] = [
    ['k8s-worker', 45],
    ['k8s-control-plane', 6],
    ['web', 14],
    ['db', 7],
    ['cache', 4],
    ['batch', 6],
    ['amphora', 5],
    ['generic', 13],
  ];
  for (let i = 0; i < counts.servers; i++) {
    const hv = compute[srvRandom.int(0, compute.length - 1)] as LabHypervisor;
    // Guarantee the special roles in tiny fleets: the first servers take one of each.
    const role: ServerRole =
      i === 0 ? 'amphora' : i === 1 || i === 2 ? 'db' : srvRandom.weighted(roleWeights);
    const plan = srvRandom.pick(plans);
    const id = srvRandom.uuid();
    let name: string;
    let projectId = plan.project.id;
    let userId = plan.deployerId;
    let flavorName: string;
    let imageId: string = srvRandom.pick(generalImages).id;
    let networkName = `${plan.project.name}-net`;
    const metadata: Record<string, string> = {};
    switch (role) {
      case 'amphora':
        name = `amphora-${srvRandom.uuid()}`;
        projectId = serviceProject.id;
        userId = octaviaUser.id;
        flavorName = 'amphora';
        imageId = amphoraImage.id;
        networkName = 'lb-mgmt-net';
        break;
      case 'k8s-worker':
      case 'k8s-control-plane': {
        const key = `${plan.project.id}/${hv.regionId}`;
        let cluster = clusterOf.get(key);
        if (!cluster || cluster.size >= (counts.clusterNodes ?? 40)) {
          cluster = { name: `k8s-${plan.team}-${hv.regionId}-${pad(counter(`cluster/${key}`), 2)}`, size: 0, masters: 0 };
          clusterOf.set(key, cluster);
        }
        cluster.size++;
        if (role === 'k8s-control-plane') name = `${cluster.name}-master-${++cluster.masters}`;
        else name = `${cluster.name}-worker-${pad(counter(`worker/${cluster.name}`), 3)}`;
        flavorName = role === 'k8s-control-plane' ? 'c4m8' : srvRandom.pick(['c8m16', 'c16m32', 'r8m64', 'c4m8']);
        imageId = nodeImage.id;
        metadata['kubernetes-cluster'] = cluster.name;
        break;
      }
      case 'db': {
        const engine = srvRandom.pick(['mysql', 'pg', 'mongo']);
        name = `${plan.team}-${engine}-${plan.env}-${pad(counter(`${plan.project.id}/${engine}`), 2)}`;
        flavorName = srvRandom.pick(['db.large', 'db.xlarge']);
        metadata.role = 'db';
        break;
      }
      case 'cache':
        name = `${plan.team}-redis-${pad(counter(`${plan.project.id}/redis`), 2)}`;
        flavorName = 'r8m64';
        break;
      case 'web':
        name = `${plan.team}-${srvRandom.pick(['web', 'api', 'gw'])}-${plan.env}-${pad(counter(`${plan.project.id}/web`), 2)}`;
        flavorName = srvRandom.pick(['m1.medium', 'm1.large', 'c4m8']);
        break;
      case 'batch':
        name = `${plan.team}-batch-${pad(counter(`${plan.project.id}/batch`), 2)}`;
        flavorName = srvRandom.pick(['c8m16', 'm1.xlarge']);
        break;
      default:
        name = `${plan.team}-${srvRandom.pick(['vm', 'bastion', 'tools', 'ci-runner'])}-${pad(counter(`${plan.project.id}/vm`), 2)}`;
        flavorName = srvRandom.pick(['m1.small', 'm1.medium', 'm1.large']);
    }
    const createdAt = now - srvRandom.int(2 * HOUR, 1000 * DAY);
    const launchedAt = createdAt + srvRandom.int(15_000, 120_000);
    const volumes =
      role === 'db' ? [{ id: srvRandom.uuid(), deleteOnTermination: false }] : srvRandom.chance(0.15) ? [{ id: srvRandom.uuid(), deleteOnTermination: true }] : [];
    servers.push({
      id,
      name,
      projectId,
      userId,
      flavorId: flavor(flavorName).id,
      imageId,
      regionId: hv.regionId,
      host: hv.hostname,
      availabilityZone: hv.availabilityZone,
      instanceNumber: instanceNumber++,
      networkName,
      ip: loopbackAddress(i),
      mac: mac(srvRandom),
      keyName: role === 'amphora' ? 'octavia-ssh-key' : srvRandom.chance(0.8) ? `${plan.team}-key` : null,
      createdAt,
      launchedAt,
      updatedAt: launchedAt,
      vmState: 'active',
      powerState: PowerState.RUNNING,
      taskState: null,
      locked: false,
      lockedReason: null,
      metadata,
      tags: [],
      roles: [role],
      volumes,
      fault: null,
      securityGroups: role === 'amphora' ? [`lb-${srvRandom.uuid()}`] : ['default'],
    });
  }

  const history = assignStates(root.fork('states'), servers, now);
  return {
    seed,
    generatedAt: now,
    regions,
    domains,
    projects,
    users,
    roles,
    applicationCredentials,
    flavors,
    images,
    hypervisors,
    services,
    agents,
    servers,
    history,
  };
}

const FAULTS = [
  { code: 500, message: 'No valid host was found. There are not enough hosts available.', details: 'Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/nova/conductor/manager.py", line 1580, in schedule_and_build_instances\n    host_lists = self._schedule_instances(context, request_specs[0],\nnova.exception.NoValidHost: No valid host was found. There are not enough hosts available.\n' },
  { code: 500, message: 'Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainCreateWithFlags)', details: '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", line 3099, in _power_on\n    self.driver.power_on(context, instance,\n' },
  { code: 500, message: 'internal error: process exited while connecting to monitor', details: '  File "/usr/lib/python3/dist-packages/nova/virt/libvirt/guest.py", line 165, in launch\n    return self._domain.createWithFlags(flags)\n' },
];

/**
 * Most servers run; a few are stopped (by their owners or, behind Nova's back, by
 * their host), in ERROR, or stuck in a task. Counts have floors so even a small
 * fleet has one of each case for the detectors to find.
 */
function assignStates(random: Random, servers: LabServer[], now: number): LabHistoryEntry[] {
  const history: LabHistoryEntry[] = [];
  const n = servers.length;
  if (n === 0) return history;
  const order = servers.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const take = (count: number): LabServer[] => order.splice(0, Math.min(count, order.length)).map((i) => servers[i] as LabServer);
  const shutoff = take(Math.max(3, Math.round(n * 0.05)));
  const errors = take(Math.max(1, Math.round(n * 0.012)));
  const stuck = take(Math.max(1, Math.round(n * 0.003)));
  const flapping = take(Math.max(1, Math.round(n * 0.004)));
  const locked = take(Math.max(1, Math.round(n * 0.005)));

  shutoff.forEach((server, k) => {
    const at = Math.max(server.launchedAt ?? server.createdAt, now - random.int(HOUR, 60 * DAY));
    // Alternate: the host stopped it (no user) or its owner did.
    const byHost = k % 2 === 0;
    server.vmState = 'stopped';
    server.powerState = PowerState.SHUTDOWN;
    server.updatedAt = at;
    history.push({ serverId: server.id, action: 'stop', at, userId: byHost ? null : server.userId, projectId: byHost ? null : server.projectId });
  });
  errors.forEach((server, k) => {
    const fault = FAULTS[k % FAULTS.length] as (typeof FAULTS)[number];
    const at = Math.max(server.createdAt + 60_000, now - random.int(HOUR, 30 * DAY));
    server.vmState = 'error';
    server.powerState = k % 2 ? PowerState.SHUTDOWN : PowerState.NOSTATE;
    server.updatedAt = at;
    server.fault = { ...fault, created: at };
    if (k % FAULTS.length === 0) server.launchedAt = null;
  });
  stuck.forEach((server, k) => {
    const at = Math.max((server.launchedAt ?? server.createdAt) + HOUR, now - random.int(2 * HOUR, 3 * DAY));
    if (k % 2 === 0) {
      server.vmState = 'stopped';
      server.powerState = PowerState.SHUTDOWN;
      server.taskState = 'powering-on';
      history.push({ serverId: server.id, action: 'start', at, userId: server.userId, projectId: server.projectId });
    } else {
      server.taskState = 'rebooting_hard';
      history.push({ serverId: server.id, action: 'reboot', at, userId: server.userId, projectId: server.projectId });
    }
    server.updatedAt = at;
  });
  for (const server of flapping) {
    // Dozens of host-initiated stops over months, each followed by an owner's start.
    const cycles = random.int(4, 12);
    let at = Math.max(server.launchedAt ?? server.createdAt, now - random.int(60, 120) * DAY);
    for (let c = 0; c < cycles; c++) {
      const stopAt = at + random.int(2, 9) * DAY;
      const startAt = stopAt + random.int(10 * 60_000, 6 * HOUR);
      if (startAt > now - HOUR) break;
      at = stopAt;
      history.push({ serverId: server.id, action: 'stop', at, userId: null, projectId: null });
      at = startAt;
      history.push({ serverId: server.id, action: 'start', at, userId: server.userId, projectId: server.projectId });
    }
    server.updatedAt = Math.max(server.updatedAt, at);
  }
  for (const server of locked) {
    server.locked = true;
    server.lockedReason = 'maintenance: do not touch';
  }
  history.sort((a, b) => a.at - b.at);
  return history;
}
