/**
 * What a hypervisor's compute agents look like right now, read over the remedy
 * shell with the collector's own read-only commands and judged by the
 * compute-agents-down detector's rules, so the runbook calls "up" exactly what
 * the scan would no longer flag.
 */
import { BASE_COMMANDS, composeCommand, type CommandSpec, type ComposeProject } from '../../collect/host/commands.js';
import { assembleHost, missingTool } from '../../collect/host/facts.js';
import { COMPOSE_PROJECTS } from '../../collect/host/parsers/containers.js';
import computeAgentsDown, { isRunning, judgeAgents, type AgentVerdict } from '../../detect/rules/compute-agents-down.js';
import { hostFactsSchema } from '../../snapshot/schema.js';
import type { HostShell } from './remedy.js';

export type AgentRuntime = 'docker-compose' | 'containerd';

export interface AgentState {
  /** null when neither runtime lists any agent and systemd runs neither docker nor containerd. */
  readonly runtime: AgentRuntime | null;
  readonly verdicts: readonly AgentVerdict[];
  /** The expected agents that are missing or not running. */
  readonly down: readonly AgentVerdict[];
  /** Swap the kernel has (free -b); null when free could not be read. */
  readonly swapBytes: number | null;
  readonly units: Readonly<Record<string, string>>;
  /** Which compose the host has: v2 only where docker-compose (v1) is not installed. */
  readonly compose: 'v1' | 'v2';
  /** Compose projects with an agent down: the ones to restart. */
  readonly failingProjects: readonly ComposeProject[];
  /** containerd: ids of the agent containers running now (the manual stops them; kubelet starts them fresh). */
  readonly runningAgentIds: readonly string[];
}

const EXPECTED = computeAgentsDown.options.parse({});

const byId = (id: string): CommandSpec => {
  const spec = BASE_COMMANDS.find((c) => c.id === id);
  if (!spec) throw new Error(`no read-only command ${id}`);
  return spec;
};

/** The containerd agents by id, from `crictl ps -a -o json`; the parser keeps names only, a stop needs the id. */
function crictlIds(stdout: string): { id: string; name: string; running: boolean }[] {
  try {
    const doc = JSON.parse(stdout) as { containers?: { id?: unknown; metadata?: { name?: unknown }; state?: unknown }[] };
    return (doc.containers ?? []).flatMap((c) =>
      typeof c.id === 'string' && typeof c.metadata?.name === 'string' ? [{ id: c.id, name: c.metadata.name, running: c.state === 'CONTAINER_RUNNING' }] : [],
    );
  } catch {
    return [];
  }
}

export async function readAgentState(shell: HostShell, now: Date): Promise<AgentState> {
  const first = await shell.read([byId('free'), byId('services'), byId('crictl'), ...COMPOSE_PROJECTS.map((p) => composeCommand(p, 'v1'))]);
  const v1Missing = COMPOSE_PROJECTS.every((p) => missingTool(first.get(`compose:${p}`)));
  const outputs = new Map(first);
  if (v1Missing) for (const [id, out] of await shell.read(COMPOSE_PROJECTS.map((p) => composeCommand(p, 'v2')))) outputs.set(id, out);
  const facts = hostFactsSchema.parse(assembleHost(shell.host, outputs, { collectedAt: now }).facts);
  const containers = facts.containers ?? [];
  const judged = (['docker-compose', 'containerd'] as const).map((runtime) => ({
    runtime,
    verdicts: judgeAgents(containers, runtime, runtime === 'docker-compose' ? EXPECTED.dockerCompose : EXPECTED.containerd),
  }));
  const listed = judged.find((j) => j.verdicts.some((v) => v.state !== undefined));
  const units = facts.services ?? {};
  const runtime: AgentRuntime | null = listed?.runtime ?? (units['docker'] === 'active' ? 'docker-compose' : units['containerd'] === 'active' ? 'containerd' : null);
  const verdicts = judged.find((j) => j.runtime === runtime)?.verdicts ?? [];
  const down = verdicts.filter((v) => v.state === undefined || !isRunning(v.state));
  const expectedNames = new Set(EXPECTED.containerd.flatMap((g) => g.containers));
  const runningAgentIds =
    runtime === 'containerd'
      ? crictlIds(outputs.get('crictl')?.stdout ?? '')
          .filter((c) => c.running && expectedNames.has(c.name))
          .map((c) => c.id)
      : [];
  return {
    runtime,
    verdicts,
    down,
    swapBytes: facts.memory ? facts.memory.swapTotalBytes : null,
    units,
    compose: v1Missing ? 'v2' : 'v1',
    failingProjects: COMPOSE_PROJECTS.filter((p) => down.some((v) => v.group === p)),
    runningAgentIds,
  };
}

/** Per group, running of expected (`nova 1/1, neutron 3/3, hostroute 1/2`), then what is down. */
export function describeAgents(state: AgentState): string {
  if (state.runtime === null) return 'no container runtime and no compute agents found';
  const groups = [...new Set(state.verdicts.map((v) => v.group))].map((g) => {
    const mine = state.verdicts.filter((v) => v.group === g);
    return `${g} ${mine.filter((v) => v.state !== undefined && isRunning(v.state)).length}/${mine.length}`;
  });
  const down = state.down.map((v) => `${v.name} (${v.state ?? 'missing'})`);
  return `${state.runtime}: ${groups.join(', ')} running${down.length ? `; down: ${down.join(', ')}` : ''}`;
}

export function describeSwap(state: AgentState): string {
  if (state.swapBytes === null) return 'swap unknown (free -b could not be read)';
  return state.swapBytes === 0 ? 'swap 0B' : `swap ${state.swapBytes} bytes (must be 0B)`;
}
