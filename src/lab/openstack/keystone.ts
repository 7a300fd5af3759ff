import { header, json, matchRoute, route, type LabRequest, type LabResponse, type Route } from './http.js';
import { buildCatalog } from './catalog.js';
import { isoMicrosZ } from './time-format.js';
import type { LabState, LabToken } from './state.js';
import type { LabApplicationCredential, LabProject, LabUser } from '../fleet/types.js';

/** Keystone v3, the parts clients use to log in and services use to check tokens. */

const KEYSTONE_VERSION = 'v3.14';
const KEYSTONE_UPDATED = '2020-04-07T00:00:00Z';

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed' };

export function keystoneError(status: number, message: string): LabResponse {
  return json(status, { error: { code: status, message, title: TITLES[status] ?? 'Error' } });
}

const UNAUTHORIZED = 'The request you have made requires authentication.';

class AuthFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function versionDoc(origin: string): Record<string, unknown> {
  return {
    id: KEYSTONE_VERSION,
    status: 'stable',
    updated: KEYSTONE_UPDATED,
    links: [{ rel: 'self', href: `${origin}/identity/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AuthFailure(400, `Invalid input for field '${path}': ${JSON.stringify(value ?? null)} is not of type 'object'`);
  }
  return value as Record<string, unknown>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function resolveDomainId(state: LabState, domain: unknown): string | undefined {
  if (domain === undefined) return undefined;
  const d = record(domain, 'domain');
  const id = text(d.id);
  if (id) return state.fleet.domains.some((x) => x.id === id) ? id : undefined;
  const name = text(d.name);
  return state.fleet.domains.find((x) => x.name === name)?.id;
}

function passwordUser(state: LabState, identity: Record<string, unknown>): LabUser {
  const password = record(identity.password, 'identity/password');
  const user = record(password.user, 'identity/password/user');
  const secret = text(user.password);
  if (secret === undefined) throw new AuthFailure(400, "Invalid input for field 'identity/password/user/password': None is not of type 'string'");
  let found: LabUser | undefined;
  const id = text(user.id);
  if (id) found = state.users.get(id);
  else {
    const name = text(user.name);
    if (!name) throw new AuthFailure(400, 'Expecting to find id or name in user - the server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
    const domainId = resolveDomainId(state, user.domain);
    if (!domainId) throw new AuthFailure(401, UNAUTHORIZED);
    found = state.findUser(name, domainId);
  }
  if (!found || found.password !== secret) throw new AuthFailure(401, UNAUTHORIZED);
  return found;
}

function applicationCredential(state: LabState, identity: Record<string, unknown>): LabApplicationCredential {
  const ac = record(identity.application_credential, 'identity/application_credential');
  const secret = text(ac.secret);
  let found: LabApplicationCredential | undefined;
  const id = text(ac.id);
  if (id) found = state.applicationCredentials.get(id);
  else {
    const name = text(ac.name);
    const user = ac.user === undefined ? undefined : record(ac.user, 'identity/application_credential/user');
    let userId = user ? text(user.id) : undefined;
    if (!userId && user) {
      const domainId = resolveDomainId(state, user.domain);
      const u = domainId ? state.findUser(text(user.name) ?? '', domainId) : undefined;
      userId = u?.id;
    }
    if (!name || !userId) throw new AuthFailure(401, UNAUTHORIZED);
    found = [...state.applicationCredentials.values()].find((a) => a.name === name && a.userId === userId);
  }
  if (!found || found.secret !== secret) throw new AuthFailure(401, UNAUTHORIZED);
  return found;
}

function tokenBody(state: LabState, token: LabToken, origin: string, withCatalog: boolean): Record<string, unknown> {
  const user = state.users.get(token.userId) as LabUser;
  const domainOf = (id: string): { id: string; name: string } => ({ id, name: state.fleet.domains.find((d) => d.id === id)?.name ?? id });
  const body: Record<string, unknown> = {
    methods: token.methods,
    user: { domain: domainOf(user.domainId), id: user.id, name: user.name, password_expires_at: null },
    audit_ids: [token.auditId],
    expires_at: isoMicrosZ(token.expiresAt),
    issued_at: isoMicrosZ(token.issuedAt),
  };
  const project = token.projectId === null ? undefined : state.projects.get(token.projectId);
  if (project) {
    body.project = { domain: domainOf(project.domainId), id: project.id, name: project.name };
    body.is_domain = false;
  } else if (token.domainId !== null) {
    body.domain = domainOf(token.domainId);
  }
  if (project || token.domainId !== null) {
    body.roles = token.roles.map((name) => ({ id: state.roles.get(name)?.id ?? name, name }));
    if (withCatalog) body.catalog = buildCatalog(origin, state.regions);
  }
  if (token.applicationCredentialId) {
    const ac = state.applicationCredentials.get(token.applicationCredentialId);
    if (ac) body.application_credential = { id: ac.id, name: ac.name, restricted: true };
  }
  return { token: body };
}

function issue(state: LabState, req: LabRequest): LabResponse {
  if (req.bodyMalformed) return keystoneError(400, 'Malformed request body.');
  try {
    const auth = record(record(req.body, 'body').auth, 'auth');
    const identity = record(auth.identity, 'auth/identity');
    const methods = identity.methods;
    if (!Array.isArray(methods) || methods.length === 0) throw new AuthFailure(400, "Invalid input for field 'identity/methods': [] is too short");
    let token: LabToken;
    if (methods.includes('application_credential')) {
      if (auth.scope !== undefined) throw new AuthFailure(401, 'Application credentials cannot request a scope.');
      const ac = applicationCredential(state, identity);
      const user = state.users.get(ac.userId) as LabUser;
      const project = state.projects.get(ac.projectId) as LabProject;
      token = state.issueToken(user, { project }, ['application_credential'], ac.roles, ac);
    } else if (methods.includes('password')) {
      const user = passwordUser(state, identity);
      const scope = auth.scope === undefined ? undefined : record(auth.scope, 'auth/scope');
      if (scope?.project !== undefined) {
        const p = record(scope.project, 'auth/scope/project');
        const domainId = p.id ? undefined : resolveDomainId(state, p.domain);
        const project = state.findProject({ id: text(p.id), name: text(p.name), domainId });
        if (!project) throw new AuthFailure(401, UNAUTHORIZED);
        if (project.id !== user.defaultProjectId) throw new AuthFailure(401, `User ${user.id} has no access to project ${project.id}`);
        token = state.issueToken(user, { project }, ['password'], user.roles);
      } else if (scope?.domain !== undefined) {
        const domainId = resolveDomainId(state, scope.domain);
        if (!domainId) throw new AuthFailure(401, UNAUTHORIZED);
        if (!user.roles.includes('admin')) throw new AuthFailure(401, `User ${user.id} has no access to domain ${domainId}`);
        token = state.issueToken(user, { domainId }, ['password'], user.roles);
      } else if (scope !== undefined) {
        throw new AuthFailure(400, 'Expecting to find project or domain in scope.');
      } else {
        // Keystone scopes an unscoped request to the user's default project.
        const project = state.projects.get(user.defaultProjectId);
        token = project ? state.issueToken(user, { project }, ['password'], user.roles) : state.issueToken(user, {}, ['password'], []);
      }
    } else {
      throw new AuthFailure(401, `Attempted to authenticate with an unsupported method.`);
    }
    const withCatalog = req.query.get('nocatalog') === null;
    return json(201, tokenBody(state, token, req.hostOrigin, withCatalog), { 'X-Subject-Token': token.id });
  } catch (e) {
    if (e instanceof AuthFailure) {
      const res = keystoneError(e.status, e.message);
      if (e.status === 401) res.headers = { ...res.headers, 'WWW-Authenticate': `Keystone uri="${req.hostOrigin}/identity"` };
      return res;
    }
    throw e;
  }
}

function checkSubject(state: LabState, req: LabRequest): LabToken | LabResponse {
  if (!state.validToken(header(req, 'x-auth-token'))) return keystoneError(401, UNAUTHORIZED);
  const subjectId = header(req, 'x-subject-token');
  if (!subjectId) return keystoneError(404, 'Could not find token: None.');
  const subject = state.validToken(subjectId);
  if (!subject) return keystoneError(404, `Could not find token: ${subjectId}.`);
  return subject;
}

function projectView(req: LabRequest, project: LabProject): Record<string, unknown> {
  return {
    id: project.id,
    name: project.name,
    domain_id: project.domainId,
    description: '',
    enabled: true,
    parent_id: project.domainId,
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${req.hostOrigin}/identity/v3/projects/${project.id}` },
  };
}

function userView(req: LabRequest, user: LabUser): Record<string, unknown> {
  return {
    id: user.id,
    name: user.name,
    domain_id: user.domainId,
    default_project_id: user.defaultProjectId,
    enabled: true,
    password_expires_at: null,
    options: {},
    links: { self: `${req.hostOrigin}/identity/v3/users/${user.id}` },
  };
}

const ROUTES: Route<{ state: LabState; req: LabRequest }>[] = [
  route('', {
    GET: ({ req }) => json(300, { versions: { values: [versionDoc(req.hostOrigin)] } }),
  }),
  route('/v3', {
    GET: ({ req }) => json(200, { version: versionDoc(req.hostOrigin) }),
  }),
  route('/v3/auth/tokens', {
    POST: ({ state, req }) => issue(state, req),
    GET: ({ state, req }) => {
      const subject = checkSubject(state, req);
      if ('status' in subject) return subject;
      const withCatalog = req.query.get('nocatalog') === null;
      return json(200, tokenBody(state, subject, req.hostOrigin, withCatalog), { 'X-Subject-Token': subject.id });
    },
    DELETE: ({ state, req }) => {
      const subject = checkSubject(state, req);
      if ('status' in subject) return subject;
      state.revokeToken(subject.id);
      return { status: 204 };
    },
  }),
  route('/v3/projects', {
    GET: ({ state, req }) => {
      const caller = state.caller(header(req, 'x-auth-token'));
      if (!caller) return keystoneError(401, UNAUTHORIZED);
      if (!caller.isAdmin) return keystoneError(403, 'You are not authorized to perform the requested action: identity:list_projects.');
      const name = req.query.get('name');
      const domainId = req.query.get('domain_id');
      const projects = [...state.projects.values()].filter((p) => (name === null || p.name === name) && (domainId === null || p.domainId === domainId));
      return json(200, {
        projects: projects.map((p) => projectView(req, p)),
        links: { self: `${req.hostOrigin}/identity/v3/projects`, previous: null, next: null },
      });
    },
  }),
  route('/v3/auth/projects', {
    GET: ({ state, req }) => {
      const caller = state.caller(header(req, 'x-auth-token'));
      if (!caller) return keystoneError(401, UNAUTHORIZED);
      const project = state.projects.get(caller.user.defaultProjectId);
      return json(200, {
        projects: project ? [projectView(req, project)] : [],
        links: { self: `${req.hostOrigin}/identity/v3/auth/projects`, previous: null, next: null },
      });
    },
  }),
  route('/v3/users', {
    GET: ({ state, req }) => {
      const caller = state.caller(header(req, 'x-auth-token'));
      if (!caller) return keystoneError(401, UNAUTHORIZED);
      if (!caller.isAdmin) return keystoneError(403, 'You are not authorized to perform the requested action: identity:list_users.');
      const name = req.query.get('name');
      const users = [...state.users.values()].filter((u) => name === null || u.name === name);
      return json(200, {
        users: users.map((u) => userView(req, u)),
        links: { self: `${req.hostOrigin}/identity/v3/users`, previous: null, next: null },
      });
    },
  }),
  route('/v3/users/{id}', {
    GET: ({ state, req }, [id]) => {
      const caller = state.caller(header(req, 'x-auth-token'));
      if (!caller) return keystoneError(401, UNAUTHORIZED);
      const user = state.users.get(id as string);
      if (!user || (!caller.isAdmin && user.id !== caller.user.id)) return keystoneError(404, `Could not find user: ${id}.`);
      return json(200, { user: userView(req, user) });
    },
  }),
  route('/v3/projects/{id}', {
    GET: ({ state, req }, [id]) => {
      const caller = state.caller(header(req, 'x-auth-token'));
      if (!caller) return keystoneError(401, UNAUTHORIZED);
      const project = state.projects.get(id as string);
      if (!project || (!caller.isAdmin && project.id !== caller.project.id)) return keystoneError(404, `Could not find project: ${id}.`);
      return json(200, { project: projectView(req, project) });
    },
  }),
];

export function handleKeystone(state: LabState, req: LabRequest): Promise<LabResponse> | LabResponse {
  const match = matchRoute(ROUTES, req.method, req.path);
  let res: LabResponse | Promise<LabResponse>;
  if (match.kind === 'found') res = match.handler({ state, req }, match.params);
  else if (match.kind === 'methodNotAllowed') res = keystoneError(405, `The method is not allowed for the requested URL.`);
  else res = keystoneError(404, 'The resource could not be found.');
  return Promise.resolve(res).then((r) => ({ ...r, headers: { Vary: 'X-Auth-Token', ...r.headers } }));
}
