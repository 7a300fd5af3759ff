import { guarded, lines, type Parsed, type Warn } from './common.js';

export type ContainerState = 'running' | 'exited' | 'restarting' | 'paused' | 'created' | 'unknown';

export interface ContainerFacts {
  runtime: 'docker-compose' | 'containerd';
  project?: string;
  name: string;
  state: ContainerState;
  /** The state as the tool printed it ("Up 3 weeks (healthy)", "Exit 137", "CONTAINER_EXITED"). */
  status?: string;
}

/** Compose projects on a hypervisor: /opt/krane/{nova,neutron,hostroute}. */
export const COMPOSE_PROJECTS = ['nova', 'neutron', 'hostroute'] as const;

/** Docker / compose status text → the normalised state. */
export function normaliseState(raw: string): ContainerState {
  const s = raw.trim().toLowerCase();
  if (!s) return 'unknown';
  if (/\bpaused\b/.test(s)) return 'paused';
  if (/^restarting\b/.test(s)) return 'restarting';
  if (/^(up|running)\b/.test(s) || s === 'container_running') return 'running';
  if (/^(exit|exited|dead)\b/.test(s) || s === 'container_exited') return 'exited';
  if (/^created\b/.test(s) || s === 'container_created') return 'created';
  return 'unknown';
}

/** The project a container belongs to when its name says so (`nova-compute`, `neutron-dhcp-agent`, `hostroute-bird`). */
export function projectOfName(name: string): string | undefined {
  return COMPOSE_PROJECTS.find((p) => name === p || name.startsWith(`${p}-`) || name.startsWith(`${p}_`));
}

const V1_STATE = /(Up(?: \((?:healthy|unhealthy|health: starting|Paused)\))?|Exit -?\d+|Restarting|Paused|Created|Dead|Removing)(?=\s|$)/g;

/**
 * `docker-compose ps` (v1) and `docker compose ps` (v2) tables.
 *
 * v1: `Name  Command  State  Ports`, a dashed rule, then rows whose Command
 * cell may wrap onto indented continuation lines; State is `Up`, `Exit 137`,
 * `Restarting`, `Up (Paused)`. v2: `NAME  IMAGE  COMMAND  SERVICE  CREATED
 * STATUS  PORTS` (older v2: `NAME COMMAND SERVICE STATUS PORTS`) with `Up 3
 * weeks (healthy)`, `Exited (137) 2 hours ago`, `running`, `exited (1)`.
 */
export function parseComposePs(text: string, project?: string): Parsed<ContainerFacts[]> {
  return guarded(`docker-compose ps${project ? ` (${project})` : ''}`, text, () => [], (body, warn) => {
    const all = lines(body);
    const headerAt = all.findIndex((l) => /^\s*NAME\s+/i.test(l) && /\b(STATE|STATUS)\b/i.test(l));
    if (headerAt < 0) {
      if (body.trim()) warn('no header line (Name … State / NAME … STATUS)');
      return body.trim() ? rowsByPattern(all, project) : [];
    }
    const header = all[headerAt] ?? '';
    return /\bSTATUS\b/.test(header) ? v2Rows(all.slice(headerAt + 1), header, project, warn) : v1Rows(all.slice(headerAt + 1), project);
  });
}

function v1Rows(rows: string[], project: string | undefined): ContainerFacts[] {
  const out: ContainerFacts[] = [];
  for (const row of rows) {
    if (/^-{3,}\s*$/.test(row.trim()) || !row.trim()) continue;
    const states = [...row.matchAll(V1_STATE)].map((m) => m[1] ?? '');
    if (/^\s/.test(row)) {
      // A wrapped Command cell; it may carry the State the first line lacked.
      const last = out[out.length - 1];
      if (last && last.state === 'unknown' && states.length) {
        last.status = states[states.length - 1];
        last.state = normaliseState(last.status ?? '');
      }
      continue;
    }
    const name = row.trim().split(/\s+/)[0] ?? '';
    const status = states[states.length - 1];
    out.push({ runtime: 'docker-compose', ...(project ? { project } : {}), name, state: status ? normaliseState(status) : 'unknown', ...(status ? { status } : {}) });
  }
  return out;
}

function v2Rows(rows: string[], header: string, project: string | undefined, warn: Warn): ContainerFacts[] {
  const out: ContainerFacts[] = [];
  const cols = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: (m[0] ?? '').toUpperCase(), start: m.index ?? 0 }));
  const statusCol = cols.findIndex((c) => c.name === 'STATUS' || c.name === 'STATE');
  const status = cols[statusCol];
  const next = cols[statusCol + 1];
  for (const row of rows) {
    if (!row.trim() || /^-{3,}/.test(row.trim())) continue;
    const name = row.trim().split(/\s+/)[0] ?? '';
    let cell = status ? row.slice(status.start, next ? next.start : undefined).trim() : '';
    // Columns shift when the text was re-flowed; fall back to recognising the status words.
    if (!cell || !/^(up|exited|exit|restarting|running|paused|created|dead|removing)\b/i.test(cell)) {
      const m = /\b(Up [^,]*?(?:\((?:healthy|unhealthy|Paused|health: starting)\))?|Exited \(-?\d+\)[^,]*?ago|Restarting \(-?\d+\)[^,]*?ago|running|exited \(-?\d+\)|restarting|paused|created|Created|dead)(?=\s{2,}|\s*$)/.exec(row);
      cell = m?.[1]?.trim() ?? '';
      if (!cell) warn(`cannot find the status of "${name}"`);
    }
    out.push({ runtime: 'docker-compose', ...(project ? { project } : {}), name, state: normaliseState(cell), ...(cell ? { status: cell } : {}) });
  }
  return out;
}

function rowsByPattern(all: string[], project: string | undefined): ContainerFacts[] {
  return v1Rows(all.filter((l) => /\S/.test(l) && !/^\s/.test(l) && [...l.matchAll(V1_STATE)].length > 0), project);
}

const CRI_STATE: Record<string, ContainerState> = {
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_CREATED: 'created',
  CONTAINER_UNKNOWN: 'unknown',
  RUNNING: 'running',
  EXITED: 'exited',
  CREATED: 'created',
  UNKNOWN: 'unknown',
};

/**
 * `crictl ps -a -o json` (`{ "containers": [ { "metadata": { "name" }, "state": "CONTAINER_RUNNING", "labels" } ] }`),
 * and the table form (`CONTAINER IMAGE CREATED STATE NAME ATTEMPT POD ID`) people paste.
 * `project` is nova / neutron / hostroute when the container name starts with one.
 */
export function parseCrictlPs(text: string): Parsed<ContainerFacts[]> {
  return guarded('crictl ps', text, () => [], (body, warn) => {
    const out: ContainerFacts[] = [];
    if (body.trimStart().startsWith('{')) {
      let doc: unknown;
      try {
        doc = JSON.parse(body);
      } catch {
        warn('output is not valid JSON (truncated?); reading what the text shows');
        return salvageCri(body);
      }
      const containers = (doc as { containers?: unknown })?.containers;
      if (!Array.isArray(containers)) {
        warn('no "containers" list in the JSON');
        return out;
      }
      for (const c of containers) {
        const rec = c as { metadata?: { name?: unknown }; labels?: Record<string, unknown>; state?: unknown };
        const name = typeof rec?.metadata?.name === 'string' ? rec.metadata.name : typeof rec?.labels?.['io.kubernetes.container.name'] === 'string' ? (rec.labels['io.kubernetes.container.name'] as string) : undefined;
        if (!name) {
          warn('a container without a name was skipped');
          continue;
        }
        const raw = typeof rec.state === 'string' ? rec.state : '';
        out.push(cri(name, raw));
      }
      return out;
    }
    const all = lines(body);
    const headerAt = all.findIndex((l) => /^CONTAINER\s+/.test(l.trim()) && /\bSTATE\b/.test(l));
    if (headerAt < 0) {
      if (body.trim()) warn('neither JSON nor a CONTAINER … STATE table');
      return out;
    }
    for (const row of all.slice(headerAt + 1)) {
      const m = /\s(Running|Exited|Created|Unknown)\s+(\S+)/.exec(row);
      if (m) out.push(cri(m[2] ?? '', m[1] ?? ''));
    }
    return out;
  });
}

function cri(name: string, raw: string): ContainerFacts {
  const project = projectOfName(name);
  return { runtime: 'containerd', ...(project ? { project } : {}), name, state: CRI_STATE[raw.toUpperCase()] ?? 'unknown', ...(raw ? { status: raw } : {}) };
}

function salvageCri(body: string): ContainerFacts[] {
  const out: ContainerFacts[] = [];
  for (const m of body.matchAll(/"metadata"\s*:\s*\{\s*"name"\s*:\s*"([^"]+)"[\s\S]*?"state"\s*:\s*"(\w+)"/g)) out.push(cri(m[1] ?? '', m[2] ?? ''));
  return out;
}
