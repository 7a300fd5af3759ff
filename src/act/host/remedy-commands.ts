/**
 * The only commands faultline ever sends that change a host: the compute-agents
 * runbook's (catalog §4.10). A closed union, rendered to exact strings; the session
 * sends nothing `isAllowedRemedy` does not accept, so no runbook, bug or name from
 * an API can turn a remedy into a shell. Arguments are checked by pattern before
 * anything is rendered.
 */
import { render, type CommandSpec, type ComposeProject } from '../../collect/host/commands.js';
import { COMPOSE_PROJECTS } from '../../collect/host/parsers/containers.js';

/** The systemd units a remedy may restart: the container runtimes and kubelet, nothing else. */
export const RESTARTABLE_UNITS = ['docker', 'containerd', 'kubelet'] as const;
export type RestartableUnit = (typeof RESTARTABLE_UNITS)[number];

/** crictl prints 13-character ids and accepts the full 64; both are lowercase hex. */
export const CONTAINER_ID = /^[0-9a-f]{12,64}$/;

export type RemedyCommand =
  | { readonly kind: 'restart-unit'; readonly unit: RestartableUnit }
  | { readonly kind: 'compose-restart'; readonly project: ComposeProject; readonly compose: 'v1' | 'v2' }
  | { readonly kind: 'crictl-stop'; readonly containerId: string }
  | { readonly kind: 'swapoff' };

export class RemedyRefusedError extends Error {}

/** The command line without sudo; throws RemedyRefusedError for an argument outside its pattern. */
export function remedyText(c: RemedyCommand): string {
  switch (c.kind) {
    case 'restart-unit':
      if (!RESTARTABLE_UNITS.includes(c.unit)) throw new RemedyRefusedError(`refusing to restart unit "${String(c.unit)}": only ${RESTARTABLE_UNITS.join(', ')} may be restarted`);
      return `systemctl restart ${c.unit}`;
    case 'compose-restart':
      if (!COMPOSE_PROJECTS.includes(c.project)) throw new RemedyRefusedError(`refusing docker-compose restart in "${String(c.project)}": only /opt/krane/{${COMPOSE_PROJECTS.join(',')}}`);
      if (c.compose !== 'v1' && c.compose !== 'v2') throw new RemedyRefusedError(`refusing compose version "${String(c.compose)}"`);
      return `cd /opt/krane/${c.project} && ${c.compose === 'v1' ? 'docker-compose restart' : 'docker compose restart'}`;
    case 'crictl-stop':
      if (typeof c.containerId !== 'string' || !CONTAINER_ID.test(c.containerId)) throw new RemedyRefusedError(`refusing crictl stop of "${String(c.containerId)}": a container id is 12 to 64 lowercase hex digits`);
      return `crictl stop ${c.containerId}`;
    case 'swapoff':
      return 'swapoff -a';
    default:
      throw new RemedyRefusedError(`refusing an unknown remedy ${JSON.stringify(c)}`);
  }
}

/** Every remedy needs root; with `sudo` it goes as `sudo -n sh -c '…'`, like the collector's root commands. */
export function renderRemedy(c: RemedyCommand, sudo: boolean): string {
  const spec: CommandSpec = { id: `remedy:${c.kind}`, command: remedyText(c), root: true };
  return render(spec, sudo);
}

function fixedRemedies(): RemedyCommand[] {
  return [
    ...RESTARTABLE_UNITS.map((unit): RemedyCommand => ({ kind: 'restart-unit', unit })),
    ...COMPOSE_PROJECTS.flatMap((project): RemedyCommand[] => [
      { kind: 'compose-restart', project, compose: 'v1' },
      { kind: 'compose-restart', project, compose: 'v2' },
    ]),
    { kind: 'swapoff' },
  ];
}

const FIXED = new Set(fixedRemedies().flatMap((c) => [renderRemedy(c, false), renderRemedy(c, true)]));

/** True only for a string `renderRemedy` makes: the session's guard. */
export function isAllowedRemedy(command: string): boolean {
  if (FIXED.has(command)) return true;
  const m = /^(?:sudo -n sh -c ')?crictl stop ([0-9a-f]{12,64})'?$/.exec(command);
  const id = m?.[1];
  if (!id) return false;
  const c: RemedyCommand = { kind: 'crictl-stop', containerId: id };
  return command === renderRemedy(c, false) || command === renderRemedy(c, true);
}

/** Every fixed remedy, rendered; for the docs and the lab. */
export function allowedRemedies(sudo: boolean): string[] {
  return fixedRemedies().map((c) => renderRemedy(c, sudo));
}
