import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LAB_CREDENTIALS } from '../fleet/generate.js';
import { startLab, type RunningLab } from './lab.js';
import { login, passwordAuth, request, type Json } from './testing.js';

describe('keystone v3', () => {
  let lab: RunningLab;
  before(async () => {
    lab = await startLab({ seed: 'keystone', size: 'small', clock: 'manual', tokenTtlSeconds: 600 });
  });
  after(async () => {
    await lab.stop();
  });

  it('discovers versions at /identity and /identity/v3', async () => {
    const root = await request(`${lab.url}/identity`);
    assert.equal(root.status, 300);
    const values = (root.body as Json).versions.values;
    assert.equal(values[0].id, 'v3.14');
    assert.equal(values[0].links[0].href, `${lab.url}/identity/v3/`);
    const v3 = await request(`${lab.url}/identity/v3`);
    assert.equal(v3.status, 200);
    assert.equal((v3.body as Json).version.status, 'stable');
  });

  it('issues a project-scoped token with roles and a catalog', async () => {
    const res = await request(`${lab.authUrl}/auth/tokens`, {
      method: 'POST',
      body: passwordAuth(LAB_CREDENTIALS.admin.username, LAB_CREDENTIALS.admin.password, 'admin'),
    });
    assert.equal(res.status, 201);
    assert.ok(res.headers.get('x-subject-token'));
    const token = (res.body as Json).token;
    assert.deepEqual(token.methods, ['password']);
    assert.equal(token.user.name, 'admin');
    assert.equal(token.project.name, 'admin');
    assert.ok(token.roles.some((r: Json) => r.name === 'admin'));
    assert.match(token.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(Date.parse(token.expires_at) - Date.parse(token.issued_at), 600_000);
    const types = token.catalog.map((s: Json) => s.type).sort();
    assert.deepEqual(types, ['compute', 'identity', 'image', 'network']);
    const compute = token.catalog.find((s: Json) => s.type === 'compute');
    const pg1Public = compute.endpoints.find((e: Json) => e.region_id === 'pg1' && e.interface === 'public');
    assert.equal(pg1Public.url, `${lab.url}/pg1/compute/v2.1`);
    assert.deepEqual(new Set(compute.endpoints.map((e: Json) => e.interface)), new Set(['public', 'internal', 'admin']));
  });

  it('scopes an unscoped request to the default project, and refuses other projects', async () => {
    const res = await request(`${lab.authUrl}/auth/tokens`, { method: 'POST', body: passwordAuth('viewer', LAB_CREDENTIALS.viewer.password) });
    assert.equal(res.status, 201);
    const token = (res.body as Json).token;
    assert.ok(token.project.name.endsWith('-prod'));
    assert.ok(!token.roles.some((r: Json) => r.name === 'admin'));
    const denied = await request(`${lab.authUrl}/auth/tokens`, { method: 'POST', body: passwordAuth('viewer', LAB_CREDENTIALS.viewer.password, 'admin') });
    assert.equal(denied.status, 401);
  });

  it('answers bad credentials with 401 and Keystone’s error body', async () => {
    const res = await request(`${lab.authUrl}/auth/tokens`, { method: 'POST', body: passwordAuth('admin', 'wrong', 'admin') });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
    const unknown = await request(`${lab.authUrl}/auth/tokens`, { method: 'POST', body: passwordAuth('nobody', 'x') });
    assert.equal(unknown.status, 401);
    const malformed = await request(`${lab.authUrl}/auth/tokens`, { method: 'POST', body: '{not json' });
    assert.equal(malformed.status, 400);
    assert.equal((malformed.body as Json).error.code, 400);
  });

  it('logs in with an application credential', async () => {
    const ac = lab.fleet.applicationCredentials[0];
    assert.ok(ac);
    const body = { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: ac.secret } } } };
    const res = await request(`${lab.authUrl}/auth/tokens`, { method: 'POST', body });
    assert.equal(res.status, 201);
    const token = (res.body as Json).token;
    assert.deepEqual(token.methods, ['application_credential']);
    assert.equal(token.application_credential.id, ac.id);
    assert.equal(token.project.name, 'admin');
    const wrong = await request(`${lab.authUrl}/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: 'nope' } } } },
    });
    assert.equal(wrong.status, 401);
  });

  it('validates tokens until they expire on the lab clock', async () => {
    const token = await login(lab);
    const check = await request(`${lab.authUrl}/auth/tokens`, { token, headers: { 'X-Subject-Token': token } });
    assert.equal(check.status, 200);
    assert.equal(check.headers.get('x-subject-token'), token);
    const compute = await request(`${lab.url}/compute/v2.1/servers`, { token });
    assert.equal(compute.status, 200);

    lab.state.clock.advance(601_000);
    const expired = await request(`${lab.url}/compute/v2.1/servers`, { token });
    assert.equal(expired.status, 401);
    assert.equal((expired.body as Json).error.message, 'The request you have made requires authentication.');
    assert.match(expired.headers.get('www-authenticate') ?? '', /^Keystone uri=/);

    const fresh = await login(lab);
    const gone = await request(`${lab.authUrl}/auth/tokens`, { token: fresh, headers: { 'X-Subject-Token': token } });
    assert.equal(gone.status, 404);
    assert.equal((gone.body as Json).error.message, `Could not find token: ${token}.`);
    const bad = await request(`${lab.authUrl}/auth/tokens`, { token: 'bogus', headers: { 'X-Subject-Token': fresh } });
    assert.equal(bad.status, 401);
  });

  it('lists projects and users for admins only', async () => {
    const admin = await login(lab);
    const viewer = await login(lab, 'viewer');
    const projects = ((await request(`${lab.authUrl}/projects`, { token: admin })).body as Json).projects;
    assert.deepEqual(new Set(projects.map((p: Json) => p.id)), new Set(lab.fleet.projects.map((p) => p.id)));
    const named = ((await request(`${lab.authUrl}/projects?name=admin`, { token: admin })).body as Json).projects;
    assert.equal(named.length, 1);
    const denied = await request(`${lab.authUrl}/projects`, { token: viewer });
    assert.equal(denied.status, 403);
    assert.equal((denied.body as Json).error.title, 'Forbidden');
    const users = ((await request(`${lab.authUrl}/users?name=viewer`, { token: admin })).body as Json).users;
    assert.equal(users[0].name, 'viewer');
    const own = ((await request(`${lab.authUrl}/auth/projects`, { token: viewer })).body as Json).projects;
    assert.equal(own.length, 1);
  });

  it('revokes a token on DELETE', async () => {
    const token = await login(lab);
    const other = await login(lab);
    const del = await request(`${lab.authUrl}/auth/tokens`, { method: 'DELETE', token: other, headers: { 'X-Subject-Token': token } });
    assert.equal(del.status, 204);
    const after = await request(`${lab.url}/compute/v2.1/servers`, { token });
    assert.equal(after.status, 401);
  });
});
