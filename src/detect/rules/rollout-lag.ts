import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import type { KubernetesCluster, KubernetesWorkload } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { parseTime, workloadRef } from '../kubernetes.js';

type Messages = 'stableBehind' | 'stableNotFromCanary';

const DAY = 86_400_000;
const REVISION = 'deployment.kubernetes.io/revision';
/** Kinds that run a service's stage; ReplicaSets, Jobs and CronJobs are parts or batches, not stages. */
const STAGE_KINDS = new Set<KubernetesWorkload['kind']>(['Deployment', 'StatefulSet', 'DaemonSet']);

type Tagged = Pick<KubernetesWorkload, 'labels' | 'annotations'>;
const tag = (w: Tagged, key: string): string | undefined => w.labels[key] ?? w.annotations[key];

/** `registry/team/app:1.2@sha256:…` → `registry/team/app`: what stays the same when a stage moves to a new build. */
export function imageRepository(image: string): string {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  // A colon before the last slash is a registry port (`harbor:5000/app`), not a tag.
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** A container of the canary's template beside the stable's container it is compared with. */
interface Paired {
  readonly container: string;
  readonly canary: string;
  readonly stable: string;
}

/**
 * Pairs the two templates' containers by name, then the ones left over by image
 * repository (a canary's container may be named after its stage). Containers
 * without an image or without a partner are not compared.
 */
export function pairContainers(canary: KubernetesWorkload['containers'], stable: KubernetesWorkload['containers']): Paired[] {
  const out: Paired[] = [];
  const leftCanary = canary.filter((c) => c.image !== undefined);
  const leftStable = stable.filter((c) => c.image !== undefined);
  for (const c of [...leftCanary]) {
    const i = leftStable.findIndex((s) => s.name === c.name);
    if (i < 0) continue;
    out.push({ container: c.name, canary: c.image as string, stable: leftStable[i]!.image as string });
    leftStable.splice(i, 1);
    leftCanary.splice(leftCanary.indexOf(c), 1);
  }
  for (const c of leftCanary) {
    const i = leftStable.findIndex((s) => imageRepository(s.image as string) === imageRepository(c.image as string));
    if (i < 0) continue;
    out.push({ container: c.name, canary: c.image as string, stable: leftStable[i]!.image as string });
    leftStable.splice(i, 1);
  }
  return out;
}

interface Revision {
  readonly number: number;
  readonly createdAt: number | undefined;
  readonly containers: KubernetesWorkload['containers'];
}

/** A Deployment's ReplicaSets as its rollout history, oldest revision first; those without a revision number are left out. */
function revisionsOf(cluster: KubernetesCluster, d: KubernetesWorkload): Revision[] {
  return cluster.workloads
    .filter((w) => w.kind === 'ReplicaSet' && w.namespace === d.namespace && w.owner?.kind === 'Deployment' && w.owner.name === d.name)
    .flatMap((rs) => {
      const n = Number(rs.annotations[REVISION]);
      return Number.isInteger(n) && n > 0 ? [{ number: n, createdAt: parseTime(rs.createdAt), containers: rs.containers }] : [];
    })
    .sort((a, b) => a.number - b.number);
}

/** Whether a template runs, in every compared container, the image the stable runs. */
function runsStableImages(containers: KubernetesWorkload['containers'], paired: readonly Paired[]): boolean {
  return paired.every((p) => containers.find((c) => c.name === p.container)?.image === p.stable);
}

/**
 * Since when the stable has been behind: the creation of the canary's first
 * revision after the one the stable still runs (`matched`), or, when the stable's
 * images are in none of the retained revisions, of the canary's current one (a
 * lower bound). Undefined when the history cannot date it.
 */
function behindSince(revisions: readonly Revision[], current: number | undefined, paired: readonly Paired[]): { since: number; revision: number; matched: boolean } | undefined {
  const upTo = revisions.filter((r) => current === undefined || r.number <= current);
  const head = upTo[upTo.length - 1];
  if (!head || !pairedImagesMatch(head.containers, paired)) return undefined;
  let match = -1;
  for (let i = upTo.length - 1; i >= 0; i--) {
    if (runsStableImages(upTo[i]!.containers, paired)) {
      match = i;
      break;
    }
  }
  const moved = match >= 0 ? upTo[match + 1] : head;
  if (!moved || moved.createdAt === undefined) return undefined;
  return { since: moved.createdAt, revision: moved.number, matched: match >= 0 };
}

/** The ReplicaSet of the canary's current revision runs what the Deployment's template says (a stale or foreign ReplicaSet does not date anything). */
function pairedImagesMatch(containers: KubernetesWorkload['containers'], paired: readonly Paired[]): boolean {
  return paired.every((p) => containers.some((c) => c.image === p.canary));
}

const splitPeople = (v: string): string[] =>
  v
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export default defineDetector({
  id: 'rollout-lag',
  title: 'Stable stage behind its canary for too long',
  layer: 'kubernetes',
  severity: 'low',
  description: 'Finds services whose stable (blue-green) stage still runs an older image than their canary, more than the allowed number of days after the canary moved on.',
  explanation:
    'A release goes to the canary first and to the stable stage once the canary has proved it. A stable stage that stays ' +
    'behind for days means the promotion was forgotten or blocked: the fleet runs two versions of the service, fixes that ' +
    'reached the canary have not reached most users, and the next release widens the gap. The platform team behind this ' +
    'rule posts every such service with its lag in days, its owner and the people responsible for its rollouts, with a ' +
    'link to trigger the blue-green promotion.',
  requires: ['kubernetes'],
  kubernetesKinds: ['workloads'],
  messages: {
    stableBehind:
      '{{stable}} in cluster {{cluster}} has been behind its canary {{canary}} for {{days}} days (allowed {{maxDays}}): the canary moved from {{stableImages}} to {{canaryImages}} on {{since}}; owner {{owners}}, rollouts by {{deployers}}.',
    stableNotFromCanary:
      '{{stable}} in cluster {{cluster}} runs {{stableImages}}, which its canary {{canary}} has not run in its retained history; the canary has run {{canaryImages}} for {{days}} days (allowed {{maxDays}}); owner {{owners}}, rollouts by {{deployers}}.',
  },
  options: z.object({
    maxLagDays: z.number().positive().default(7).describe('how many days the stable stage may run an older image than its canary'),
    stageKeys: z.array(z.string().min(1)).default(['track', 'faultline.io/stage']).describe('labels and annotations (first present) that name a workload\'s stage'),
    canaryStages: z.array(z.string().min(1)).default(['canary']).describe('stage values of a canary'),
    stableStages: z.array(z.string().min(1)).default(['stable', 'blue-green', 'bluegreen', 'production']).describe('stage values of the stage the canary is promoted to'),
    serviceKeys: z.array(z.string().min(1)).default(['app.kubernetes.io/name', 'app']).describe('labels (first present) naming the service a stage belongs to; a canary and a stable of the same value in one namespace are a pair'),
    ownerKeys: z.array(z.string().min(1)).default(['owner', 'team', 'app.kubernetes.io/owner', 'faultline.io/owner']).describe('labels and annotations (on the stable, then the canary) that name the service\'s owner'),
    deployerKeys: z
      .array(z.string().min(1))
      .default(['faultline.io/deployers', 'deployers'])
      .describe('labels and annotations (on the stable, then the canary) listing the people responsible for its rollouts, separated by commas'),
  }),
  remediation: {
    steps: [
      'Ask the owner and the rollout owners whether the canary\'s release is good: `kubectl -n <ns> rollout history deployment <canary>` shows when it moved.',
      'Promote it: run the blue-green promotion, or `kubectl -n <ns> set image deployment/<stable> <container>=<canary image>` and `kubectl -n <ns> rollout status deployment/<stable>`.',
      'If the release is bad, roll the canary back instead (`kubectl -n <ns> rollout undo deployment/<canary>`), so the two stages agree again.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (rollout-lag); seed 004 (canary and blue-green lag alert: service, lag in days, owner, rollout owners)',
  detect({ snapshot, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const canaryStages = new Set(options.canaryStages);
    const stableStages = new Set(options.stableStages);
    const maxMs = options.maxLagDays * DAY;
    const first = (w: Tagged, keys: readonly string[], labelsOnly = false): string | undefined => {
      for (const k of keys) {
        const v = labelsOnly ? w.labels[k] : tag(w, k);
        if (v) return v;
      }
      return undefined;
    };
    const people = (keys: readonly string[], ...from: Tagged[]): string[] => {
      for (const w of from) {
        const found = keys.flatMap((k) => {
          const v = tag(w, k);
          return v ? splitPeople(v) : [];
        });
        if (found.length) return [...new Set(found)];
      }
      return [];
    };

    for (const cluster of judgedClusters(snapshot, ['workloads'])) {
      const groups = new Map<string, { canaries: KubernetesWorkload[]; stables: KubernetesWorkload[] }>();
      for (const w of cluster.workloads) {
        if (!STAGE_KINDS.has(w.kind) || w.owner) continue;
        const stage = first(w, options.stageKeys);
        const service = first(w, options.serviceKeys, true);
        if (!stage || !service) continue;
        const role = canaryStages.has(stage) ? 'canaries' : stableStages.has(stage) ? 'stables' : undefined;
        if (!role) continue;
        const key = `${w.namespace}\0${service}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { canaries: [], stables: [] }));
        g[role].push(w);
      }
      for (const { canaries, stables } of groups.values()) {
        for (const stable of stables) {
          for (const canary of canaries) {
            const paired = pairContainers(canary.containers, stable.containers);
            const differing = paired.filter((p) => p.canary !== p.stable);
            // Nothing to compare, or the stable already runs what the canary runs.
            if (paired.length === 0 || differing.length === 0) continue;
            if (canary.kind !== 'Deployment') continue;
            const current = Number(canary.annotations[REVISION]);
            const dated = behindSince(revisionsOf(cluster, canary), Number.isInteger(current) && current > 0 ? current : undefined, paired);
            if (!dated) continue;
            const lag = now.getTime() - dated.since;
            if (lag <= maxMs) continue;
            const owners = people(options.ownerKeys, stable, canary);
            const deployers = people(options.deployerKeys, stable, canary);
            const images = (which: 'canary' | 'stable'): string => differing.map((p) => p[which]).join(', ');
            const evidence: Evidence[] = [
              { label: 'canary', value: `${canary.kind} ${canary.namespace}/${canary.name}`, source: 'kubernetes' },
              { label: 'canary_revision', value: dated.revision, source: `kubernetes: ReplicaSet with ${REVISION}` },
              { label: 'canary_changed_at', value: new Date(dated.since).toISOString(), source: 'kubernetes: that ReplicaSet\'s creationTimestamp' },
              { label: 'lag_days', value: Math.floor(lag / DAY), source: 'faultline' },
              ...differing.map((p) => ({ label: `image_${p.container}`, value: `stable ${p.stable}, canary ${p.canary}`, source: 'kubernetes: spec.template.spec.containers' })),
              { label: 'owners', value: owners.join(', ') || null, source: `kubernetes: ${options.ownerKeys.join(', ')}` },
              { label: 'deployers', value: deployers.join(', ') || null, source: `kubernetes: ${options.deployerKeys.join(', ')}` },
            ];
            out.push({
              messageId: dated.matched ? 'stableBehind' : 'stableNotFromCanary',
              data: {
                stable: `${stable.kind} ${stable.namespace}/${stable.name}`,
                canary: `${canary.namespace}/${canary.name}`,
                cluster: cluster.name,
                days: Math.floor(lag / DAY),
                maxDays: options.maxLagDays,
                since: new Date(dated.since).toISOString().slice(0, 10),
                stableImages: images('stable'),
                canaryImages: images('canary'),
                owners: owners.join(', ') || 'unknown',
                deployers: deployers.join(', ') || 'unknown',
              },
              resource: workloadRef(cluster, stable),
              key: canary.name,
              evidence,
            });
          }
        }
      }
    }
    return out;
  },
});
