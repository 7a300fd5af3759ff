import { imageNames, listInstanceActions, projectNames } from '../../act/openstack/nova.js';
import { checkReachability, pingWord, probeAddress, sshWord, type Reachability } from '../../act/openstack/reachability.js';
import { resolveTarget } from '../../act/openstack/target.js';
import type { InstanceAction, Server } from '../../snapshot/schema.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { openstackSession, positiveNumber, renderColumns } from '../openstack.js';
import { showControls } from '../../report/text.js';
import { readInventoryFile } from '../../collect/inventory/file.js';
import { errorMessage } from '../../core/errors.js';
import type { InventoryEntry } from '../../snapshot/schema.js';

export interface ShowFlags {
  config?: string;
  format?: 'table' | 'json';
  probe?: boolean;
  actions?: string;
  verbose?: boolean;
}

/** One line of `show <hypervisor>`: the catalog's columns, plus ids for scripts. */
export interface ServerRow {
  readonly id: string;
  readonly name: string;
  readonly projectId: string | null;
  readonly project: string | null;
  readonly ip: string | null;
  readonly addresses: readonly string[];
  readonly flavor: string | null;
  readonly imageId: string | null;
  readonly image: string | null;
  readonly status: string;
  readonly vmState: string | null;
  readonly taskState: string | null;
  readonly powerState: number | null;
  readonly host: string | null;
  readonly ping: boolean | null;
  readonly ssh: string | null;
  readonly sshBanner?: string;
  readonly volumes: readonly string[];
  readonly createdAt: string | null;
  /** A DB server by the inventory's role tags: the runbook's ⚠, since DB servers change what may be done. */
  readonly db: boolean;
  readonly owners: readonly string[];
}

/** Role tags and owners by server id and name, from the configured inventory. */
interface Inventory {
  readonly of: (s: Server) => { db: boolean; owners: string[] };
}

function inventoryIndex(entries: readonly InventoryEntry[]): Inventory {
  const byId = new Map<string, InventoryEntry[]>();
  const byName = new Map<string, InventoryEntry[]>();
  const add = (m: Map<string, InventoryEntry[]>, k: string, e: InventoryEntry): void => {
    const list = m.get(k);
    if (list) list.push(e);
    else m.set(k, [e]);
  };
  for (const e of entries) {
    if (e.match.serverId !== undefined) add(byId, e.match.serverId, e);
    if (e.match.serverName !== undefined) add(byName, e.match.serverName, e);
  }
  return {
    of: (s) => {
      const hits = [...(byId.get(s.id) ?? []), ...(byName.get(s.name) ?? [])];
      return { db: hits.some((e) => e.roles.includes('db')), owners: [...new Set(hits.flatMap((e) => e.owners))].sort() };
    },
  };
}

function rowOf(s: Server, r: Reachability | undefined, projects: Map<string, string>, images: Map<string, string>, inventory: Inventory): ServerRow {
  const imageId = s.image?.id ?? null;
  const tags = inventory.of(s);
  return {
    id: s.id,
    name: s.name,
    projectId: s.projectId ?? null,
    project: s.projectId ? (projects.get(s.projectId) ?? s.projectId) : null,
    ip: probeAddress(s) ?? null,
    addresses: s.addresses.map((a) => a.addr),
    flavor: s.flavor?.name ?? null,
    imageId,
    // A server booted from a volume has no image.
    image: imageId ? (images.get(imageId) ?? s.image?.name ?? imageId) : null,
    status: s.status,
    vmState: s.vmState ?? null,
    taskState: s.taskState ?? null,
    powerState: s.powerState ?? null,
    host: s.host ?? null,
    ping: r?.ping ?? null,
    ssh: r?.ssh ?? null,
    ...(r?.sshBanner ? { sshBanner: r.sshBanner } : {}),
    volumes: s.volumes,
    createdAt: s.createdAt ?? null,
    db: tags.db,
    owners: tags.owners,
  };
}

const dash = (v: string | number | null | undefined): string => (v === null || v === undefined || v === '' ? '-' : String(v));

/** `show`: a hypervisor's servers with their reachability, or one server's details, actions and reachability. */
export async function show(ctx: CliContext, text: string, flags: ShowFlags): Promise<number> {
  const session = await openstackSession(ctx, flags);
  ctx.term.progress(`looking up ${text}`);
  const target = await resolveTarget(session.clients, text);
  const client = target.at.client;
  const servers = target.kind === 'server' ? [target.server] : [...target.servers].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  ctx.term.progress(`probing ${servers.length} server(s)`);
  const probe = flags.probe !== false;
  const [reach, projects, images] = await Promise.all([
    probe ? checkReachability(servers, session.reachability) : Promise.resolve(new Map<string, Reachability>()),
    projectNames(client),
    imageNames(client, servers.flatMap((s) => (s.image?.id ? [s.image.id] : []))),
  ]);
  const probedAt = new Date().toISOString();
  // Without the inventory nothing can be marked; say so rather than show a list that looks DB-free.
  let inventory: Inventory = inventoryIndex([]);
  const inventoryFile = session.loaded.config.inventory?.file;
  if (inventoryFile) {
    inventory = await readInventoryFile(inventoryFile).then(inventoryIndex, (err: unknown) => {
      ctx.term.err(`warning: DB servers not marked: ${errorMessage(err)}`);
      return inventoryIndex([]);
    });
  } else ctx.term.err('note: no inventory configured (inventory.file), so DB servers cannot be marked ⚠');
  const rows = servers.map((s) => rowOf(s, reach.get(s.id), projects, images, inventory));
  ctx.term.clearProgress();

  if (target.kind === 'hypervisor') {
    const hv = target.hypervisor;
    if (flags.format === 'json') {
      ctx.term.out(`${JSON.stringify({ kind: 'hypervisor', hypervisor: hv, probed: probe, probedAt, servers: rows }, null, 2)}\n`);
      return EXIT.ok;
    }
    const facts = [hv.hostIp && `ip ${hv.hostIp}`, hv.state && `state ${hv.state}`, hv.status && `status ${hv.status}`, hv.region && `region ${hv.region}`].filter(Boolean).join(', ');
    ctx.term.out(`hypervisor ${hv.name}${facts ? ` (${facts})` : ''}: ${rows.length} server(s)\n\n`);
    if (rows.length > 0) {
      ctx.term.out(
        renderColumns(
          ['PROJECT', 'NAME', 'IP', 'FLAVOR', 'IMAGE', 'VM_STATE', 'TASK_STATE', 'PING', 'SSH', 'VOLUMES', 'CREATED_AT'],
          rows.map((r, i) => [
            dash(r.project),
            r.db ? `⚠ ${r.name}` : r.name,
            dash(r.ip),
            dash(r.flavor),
            r.image ?? '(volume)',
            dash(r.vmState),
            dash(r.taskState),
            probe ? pingWord(reach.get(servers[i]?.id ?? '')) : '-',
            probe ? sshWord(reach.get(servers[i]?.id ?? '')) : '-',
            String(r.volumes.length),
            dash(r.createdAt),
          ]),
        ),
      );
    }
    const byStatus = new Map<string, number>();
    for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const silent = rows.filter((r) => r.ping === false).length;
    const noSsh = rows.filter((r) => r.ssh !== null && r.ssh !== 'ok' && r.ssh !== 'not-expected').length;
    const dbs = rows.filter((r) => r.db);
    if (dbs.length > 0) {
      ctx.term.out(`\n⚠ ${dbs.length} DB server(s): ${dbs.map((r) => r.name).join(', ')}. Impacted already: move fast and tell the DB on-call; still serving: wait for the DBA before any disruptive step.\n`);
    }
    ctx.term.err(
      `${[...byStatus].map(([s, n]) => `${n} ${s}`).join(', ') || 'no servers'}${probe ? `; ${silent} without ping, ${noSsh} without ssh` : ''}`,
    );
    return EXIT.ok;
  }

  const server = target.server;
  const row = rows[0] as ServerRow;
  const limit = positiveNumber('--actions', flags.actions, 10, true);
  const actions: InstanceAction[] = await listInstanceActions(client, server.id, Math.min(5, limit)).catch((err: unknown) => {
    ctx.term.err(`warning: instance actions not read: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  });
  const shown = actions.slice(0, limit);
  if (flags.format === 'json') {
    ctx.term.out(`${JSON.stringify({ kind: 'server', server, summary: row, probed: probe, probedAt, reachability: reach.get(server.id) ?? null, actions: shown }, null, 2)}\n`);
    return EXIT.ok;
  }
  const r = reach.get(server.id);
  const details: [string, string][] = [
    ['id', server.id],
    ['name', row.db ? `⚠ ${server.name} (DB server)` : server.name],
    ...(row.owners.length > 0 ? ([['owners', row.owners.join(', ')]] as [string, string][]) : []),
    ['project', row.project && row.projectId && row.project !== row.projectId ? `${row.project} (${row.projectId})` : dash(row.projectId)],
    ['status', `${server.status} (vm_state ${dash(server.vmState)}, task_state ${dash(server.taskState)}, power_state ${dash(server.powerState)})`],
    ['host', `${dash(server.host)}${server.hostStatus ? ` (host_status ${server.hostStatus})` : ''}`],
    ['addresses', server.addresses.map((a) => `${a.network}=${a.addr}${a.type ? ` (${a.type})` : ''}`).join(', ') || '-'],
    ['flavor', server.flavor ? `${server.flavor.name}${server.flavor.vcpus ? ` (${server.flavor.vcpus} vCPU, ${server.flavor.ramMiB ?? '?'} MiB, ${server.flavor.diskGiB ?? '?'} GiB)` : ''}` : '-'],
    ['image', row.image ? (row.image !== row.imageId ? `${row.image} (${row.imageId})` : row.image) : '(boot from volume)'],
    ['volumes', server.volumes.join(', ') || '-'],
    ['created_at', dash(server.createdAt)],
    ['launched_at', dash(server.launchedAt)],
    ['updated_at', dash(server.updatedAt)],
    ['locked', server.locked ? 'yes' : 'no'],
    ['ping', probe ? `${pingWord(r)}${r?.rttMs !== undefined ? ` (${r.rttMs} ms)` : ''}` : 'not probed'],
    ['ssh', probe ? `${sshWord(r)}${r?.sshBanner ? ` (${r.sshBanner})` : r?.sshError ? ` (${r.sshError})` : ''}` : 'not probed'],
  ];
  if (server.fault) details.push(['fault', `${server.fault.code ?? ''} ${server.fault.message}`.trim()]);
  ctx.term.out(renderColumns(['FIELD', 'VALUE'], details));
  ctx.term.out(`\ninstance actions (newest first, ${shown.length} of ${actions.length}):\n`);
  if (shown.length > 0) {
    ctx.term.out(
      renderColumns(
        ['START', 'ACTION', 'USER', 'PROJECT', 'REQUEST', 'EVENTS'],
        shown.map((a) => [
          a.startTime,
          a.action,
          // Nova's own actions (power-state sync) carry neither user nor project: the catalog's "unrequested stop".
          a.userId ?? '(nova)',
          a.projectId ? (projects.get(a.projectId) ?? a.projectId) : '-',
          a.requestId,
          a.events.map((e) => `${e.event}=${e.result ?? (e.finishTime ? '?' : 'running')}`).join(', ') || '-',
        ]),
      ),
    );
  }
  if (server.fault?.details) ctx.term.out(`\nfault details:\n${showControls(server.fault.details)}\n`);
  return EXIT.ok;
}
