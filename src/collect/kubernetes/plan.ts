/** The kubernetes collector as faultline.yaml's `kubernetes` section and the environment describe it. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeconfig, selectContexts } from '../../config/kubeconfig.js';
import type { FaultlineConfig } from '../../config/schema.js';
import { ConfigError, errorMessage } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';
import type { Collector } from '../types.js';
import { inClusterKubeConfig, loadKubeConfigs } from './auth.js';
import { createKubernetesCollector } from './index.js';

/** Where a pod finds its service account's token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubernetesPlanInput {
  readonly config: FaultlineConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly cwd: string;
  /** faultline.yaml, named in errors about its keys. */
  readonly file?: string;
  readonly redactor?: Redactor;
  readonly timeoutMs?: number;
  /** Where the pod's service account is mounted (default SERVICE_ACCOUNT_DIR; tests point it elsewhere). */
  readonly serviceAccountDir?: string;
}

export type KubernetesPlan = { collector: Collector } | { unavailable: string };

function inClusterAvailable(input: KubernetesPlanInput): boolean {
  return Boolean(input.env['KUBERNETES_SERVICE_HOST']) && existsSync(join(input.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, 'token'));
}

export function planKubernetes(input: KubernetesPlanInput): KubernetesPlan {
  const k = input.config.kubernetes;
  const explicit = k.kubeconfig !== undefined || (k.contexts?.length ?? 0) > 0 || Boolean(input.env['KUBECONFIG']?.trim());
  const build = (kubeConfig: KubeConfig, contexts: string[]): KubernetesPlan => ({
    collector: createKubernetesCollector({ kubeConfig, contexts, concurrency: k.concurrency, clusterTimeoutMs: k.clusterTimeoutSeconds * 1000, pageSize: k.pageSize, ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}) }),
  });
  const inCluster = (): KubernetesPlan => {
    try {
      const kc = inClusterKubeConfig(input.env, input.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
      return build(kc, [kc.getCurrentContext()]);
    } catch (err) {
      return { unavailable: `kubernetes.inCluster: cannot read the service account (${errorMessage(err)}); run faultline in a pod with a service account, or set kubernetes.kubeconfig` };
    }
  };
  if (k.inCluster === true) return inCluster();
  if (!explicit && !existsSync(join(input.home, '.kube', 'config'))) {
    if (k.inCluster !== false && inClusterAvailable(input)) return inCluster();
    return { unavailable: 'no Kubernetes configured (set kubernetes.kubeconfig and kubernetes.contexts in faultline.yaml, KUBECONFIG, or ~/.kube/config)' };
  }
  try {
    const resolved = loadKubeconfig({ ...(k.kubeconfig ? { kubeconfig: k.kubeconfig } : {}), env: input.env, home: input.home, cwd: input.cwd, ...(input.redactor ? { redactor: input.redactor } : {}) });
    const contexts = selectContexts(resolved, { ...(k.contexts ? { wanted: k.contexts } : {}), ...(input.file ? { configFile: input.file } : {}) });
    let kubeConfig: KubeConfig;
    try {
      kubeConfig = loadKubeConfigs(resolved.files);
    } catch (err) {
      throw new ConfigError({ file: resolved.files.join(', '), problem: `@kubernetes/client-node cannot read the kubeconfig: ${errorMessage(err)}`, fix: 'check it with kubectl config view' });
    }
    return build(kubeConfig, contexts.map((c) => c.name));
  } catch (err) {
    if (err instanceof ConfigError) return { unavailable: err.message };
    throw err;
  }
}
