/**
 * The `kubernetes` collector: every configured context read at once up to a bound,
 * each within its own deadline. Failed clusters lead the warnings, by name.
 */
import { setMaxListeners } from 'node:events';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Collector, CollectContext, CollectorResult } from '../types.js';
import { endpointFor, forContext } from './auth.js';
import { readCluster, type ClusterInput } from './cluster.js';

export { LISTED_RESOURCES, METRICS_PATH } from './resources.js';

export interface KubernetesCollectorOptions {
  /** The merged kubeconfig (or the in-cluster one) and the contexts to read from it. */
  readonly kubeConfig: KubeConfig;
  readonly contexts: readonly string[];
  readonly concurrency: number;
  readonly clusterTimeoutMs: number;
  readonly pageSize: number;
  readonly timeoutMs?: number;
}

export function createKubernetesCollector(options: KubernetesCollectorOptions): Collector {
  const waves = Math.ceil(options.contexts.length / Math.max(1, options.concurrency));
  return {
    id: 'kubernetes',
    description: `Kubernetes API (${options.contexts.length} context${options.contexts.length === 1 ? '' : 's'})`,
    produces: ['kubernetes'],
    // Enough for every wave of clusters to use its whole deadline, so one dead cluster never costs the others.
    timeoutMs: options.timeoutMs ?? waves * options.clusterTimeoutMs + 10_000,
    async collect(ctx: CollectContext): Promise<CollectorResult> {
      const clusters = new Array<ClusterInput>(options.contexts.length);
      let next = 0;
      let done = 0;
      const worker = async (): Promise<void> => {
        while (next < options.contexts.length && !ctx.signal.aborted) {
          const i = next++;
          const context = options.contexts[i] as string;
          clusters[i] = await readCluster(context, () => endpointFor(forContext(options.kubeConfig, context)), { pageSize: options.pageSize, deadlineMs: options.clusterTimeoutMs, now: ctx.now }, ctx.signal);
          done++;
          ctx.progress(`kubernetes: ${done}/${options.contexts.length} clusters`);
        }
      };
      const workers = Math.min(Math.max(1, options.concurrency), options.contexts.length);
      // Each cluster being read hangs its deadline on the run's signal: that many listeners at once are expected, not a leak.
      setMaxListeners(workers + 10, ctx.signal);
      await Promise.all(Array.from({ length: workers }, worker));
      const read = clusters.filter((c): c is ClusterInput => c !== undefined);
      const failed = read.filter((c) => c.collection?.status === 'failed');
      const partial = read.filter((c) => c.collection?.status === 'partial');
      const warnings = [
        ...failed.map((c) => `cluster ${c.name} failed: ${c.collection?.error ?? 'unknown error'}`),
        ...partial.map((c) => `cluster ${c.name} partial: ${(c.collection?.warnings ?? []).join('; ')}`),
      ];
      if (failed.length > 0 || partial.length > 0) warnings.push(`${read.length - failed.length - partial.length} of ${options.contexts.length} clusters collected in full`);
      const status = failed.length > 0 || partial.length > 0 || read.length < options.contexts.length ? 'partial' : 'ok';
      return { data: { kubernetes: { clusters: read } }, status, ...(warnings.length ? { warnings } : {}) };
    },
  };
}
