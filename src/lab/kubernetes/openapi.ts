/**
 * The part of the API server's OpenAPI v3 that clients read before writing: kubectl
 * (1.27 and later) fetches `/openapi/v3`, then the document of the object's group
 * version, and looks for the `fieldValidation` query parameter on the PATCH
 * operation of that kind. Finding it, kubectl leaves validation to the server and
 * sends `fieldValidation=Strict`; without any OpenAPI it refuses to apply at all.
 * Schemas of the objects are not served (kubectl explain is not a lab feature).
 */
import { createHash } from 'node:crypto';
import { apiGroups, RESOURCES, type ResourceType } from './resources.js';

type Obj = Record<string, unknown>;

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];

function operation(r: ResourceType, verb: string, params: readonly string[]): Obj {
  return {
    operationId: `${verb}${r.kind}`,
    parameters: params.map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true } })),
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': verb,
    'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
  };
}

function gvDocument(group: string, version: string): Obj {
  const paths: Obj = {};
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version && !x.storedAs)) {
    const base = `/${gvPath(group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    paths[base] = { get: operation(r, 'list', ['pretty']), post: operation(r, 'post', QUERY_PARAMS.filter((p) => p !== 'force')) };
    paths[`${base}/{name}`] = { get: operation(r, 'get', ['pretty']), put: operation(r, 'put', QUERY_PARAMS.filter((p) => p !== 'force')), patch: operation(r, 'patch', QUERY_PARAMS), delete: operation(r, 'delete', ['dryRun', 'pretty']) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.30.0' }, paths, components: { schemas: {} } };
}

const documents = new Map<string, string>();

function documentText(path: string): string | undefined {
  const cached = documents.get(path);
  if (cached !== undefined) return cached;
  const gv = [{ name: '', version: 'v1' }, ...apiGroups()].find((g) => gvPath(g.name, g.version) === path);
  if (!gv) return undefined;
  const text = JSON.stringify(gvDocument(gv.name, gv.version));
  documents.set(path, text);
  return text;
}

function hashOf(text: string): string {
  return createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase();
}

/**
 * The answer for a path below `/openapi/v3`, or null when it is not one. The root lists
 * every group version with a URL rooted at /openapi/v3, which client-go resolves
 * below the cluster's own prefix (kubernetes#117463).
 */
export function openApiV3(path: string): string | null {
  if (path === '/openapi/v3') {
    const paths: Obj = {};
    for (const g of [{ name: '', version: 'v1' }, ...apiGroups()]) {
      const p = gvPath(g.name, g.version);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(documentText(p) as string)}` };
    }
    return JSON.stringify({ paths });
  }
  if (!path.startsWith('/openapi/v3/')) return null;
  return documentText(path.slice('/openapi/v3/'.length)) ?? null;
}
