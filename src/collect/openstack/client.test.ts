import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CollectorError, ConfigError, errorMessage } from '../../core/errors.js';
import type { OpenStackAuth } from './auth.js';
import { OpenStackClient, type OpenStackClientOptions } from './client.js';
import { FAKE_PASSWORD, FAKE_SECRET, startFakeCloud, type FakeCloud, type FakeCloudOptions } from './fake-cloud.js';
import { OpenStackHttpError } from './http.js';
import { z } from 'zod';

const clouds: FakeCloud[] = [];
after(async () => {
  await Promise.all(clouds.map((c) => c.close()));
});

async function cloud(options: FakeCloudOptions = {}): Promise<FakeCloud> {
  const c = await startFakeCloud(options);
  clouds.push(c);
  return c;
}

const passwordAuth = (c: FakeCloud, extra: Partial<OpenStackAuth> = {}): OpenStackAuth => ({
  authUrl: c.authUrl,
  username: 'admin',
  password: FAKE_PASSWORD,
  userDomainName: 'Default',
  projectName: 'admin',
  projectDomainName: 'Default',
  interface: 'public',
  ...extra,
});

/** Every error message any test produced; checked for secrets at the end. */
const messages: string[] = [];

async function rejects(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    messages.push(errorMessage(err));
    return err as Error;
  }
  assert.fail('expected a rejection');
}

interface Harness {
  client: OpenStackClient;
  sleeps: number[];
}

function client(c: FakeCloud, options: Partial<OpenStackClientOptions> = {}, auth: Partial<OpenStackAuth> = {}): Harness {
  const sleeps: number[] = [];
  const made = new OpenStackClient({
    auth: passwordAuth(c, auth),
    retry: { timeoutMs: 2000, retries: 3, backoffBaseMs: 100, backoffMaxMs: 1000 },
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { client: made, sleeps };
}

const services = z.object({ services: z.array(z.unknown()) });

describe('OpenStack client: Keystone login', () => {
  it('logs in with a password scoped to a project and sends the token from X-Subject-Token', async () => {
    const c = await cloud();
    const { client: os } = client(c);
    const out = await os.request('compute', 'os-services', services);
    assert.equal(out.services.length, 1);
    const [login] = c.calls('/identity/v3/auth/tokens', 'POST');
    const body = JSON.parse(login?.body ?? '{}') as { auth: { identity: { methods: string[]; password: { user: unknown } }; scope: unknown } };
    assert.deepEqual(body.auth.identity.methods, ['password']);
    assert.deepEqual(body.auth.identity.password.user, { name: 'admin', domain: { name: 'Default' }, password: FAKE_PASSWORD });
    assert.deepEqual(body.auth.scope, { project: { name: 'admin', domain: { name: 'Default' } } });
    const [call] = c.calls('/compute/v2.1/os-services');
    assert.ok(c.validTokens.has(String(call?.headers['x-auth-token'])));
  });

  it('accepts an auth URL without /v3', async () => {
    const c = await cloud();
    const { client: os } = client(c, {}, { authUrl: `${c.base}/identity/` });
    await os.request('compute', 'os-services', services);
    assert.equal(c.calls('/identity/v3/auth/tokens').length, 1);
  });

  it('logs in with an application credential, without a scope', async () => {
    const c = await cloud();
    const os = new OpenStackClient({ auth: { authUrl: c.authUrl, applicationCredentialId: 'ac-1', applicationCredentialSecret: FAKE_SECRET, interface: 'public' } });
    await os.request('compute', 'os-services', services);
    const body = JSON.parse(c.calls('/identity/v3/auth/tokens')[0]?.body ?? '{}') as { auth: Record<string, unknown> };
    assert.deepEqual(body.auth, { identity: { methods: ['application_credential'], application_credential: { id: 'ac-1', secret: FAKE_SECRET } } });
  });

  it('sends an application credential given by name with its owner', async () => {
    const c = await cloud();
    const os = new OpenStackClient({
      auth: { authUrl: c.authUrl, applicationCredentialName: 'faultline', username: 'ops', userDomainName: 'corp', applicationCredentialSecret: FAKE_SECRET, interface: 'public' },
    });
    await os.request('compute', 'os-services', services);
    const body = JSON.parse(c.calls('/identity/v3/auth/tokens')[0]?.body ?? '{}') as { auth: { identity: { application_credential: unknown } } };
    assert.deepEqual(body.auth.identity.application_credential, { name: 'faultline', user: { name: 'ops', domain: { name: 'corp' } }, secret: FAKE_SECRET });
  });

  it('rejects incomplete settings at construction with a ConfigError naming the key', () => {
    assert.throws(() => new OpenStackClient({ auth: { authUrl: 'http://k:5000/v3', username: 'a', interface: 'public' } }), (err: unknown) => err instanceof ConfigError && /auth\.password/.test(err.message));
    assert.throws(() => new OpenStackClient({ auth: { authUrl: 'http://k/v3', applicationCredentialId: 'x', interface: 'public' } }), /application_credential_secret/);
    assert.throws(() => new OpenStackClient({ auth: { authUrl: 'keystone:5000', username: 'a', password: 'p', projectName: 'p', interface: 'public' } }), /not an http/);
  });

  it('names the identity but not the password when Keystone refuses the credentials', async () => {
    const c = await cloud();
    const os = new OpenStackClient({ auth: { ...passwordAuth(c), password: 'wrong-password-xyz' } });
    const err = await rejects(os.request('compute', 'os-services', services));
    assert.ok(err instanceof OpenStackHttpError);
    assert.equal(err.status, 401);
    assert.match(err.message, /Keystone refused the credentials of user admin@Default on project admin: HTTP 401/);
    assert.doesNotMatch(err.message, /wrong-password-xyz/);
  });

  it('reports a token answer without expires_at as a CollectorError naming the field', async () => {
    const c = await cloud({
      intercept: (r) => (r.path.endsWith('/auth/tokens') ? { status: 201, headers: { 'x-subject-token': 'tok-abcdef' }, body: { token: { catalog: [] } } } : undefined),
    });
    const err = await rejects(client(c).client.catalog());
    assert.ok(err instanceof CollectorError);
    assert.match(err.message, /identity POST http:\/\/127\.0\.0\.1:\d+\/identity\/v3\/auth\/tokens: unexpected answer: token\.expires_at/);
  });

  it('reports a login answer without X-Subject-Token', async () => {
    const c = await cloud({ intercept: (r) => (r.path.endsWith('/auth/tokens') ? { status: 201, body: { token: { expires_at: '2099-01-01T00:00:00Z' } } } : undefined) });
    const err = await rejects(client(c).client.catalog());
    assert.match(err.message, /no X-Subject-Token/);
  });
});

describe('OpenStack client: token reuse and renewal', () => {
  it('shares one login among concurrent requests', async () => {
    const c = await cloud();
    const { client: os } = client(c);
    await Promise.all(Array.from({ length: 25 }, () => os.request('compute', 'os-services', services)));
    assert.equal(c.tokensIssued, 1);
    assert.equal(os.logins, 1);
    assert.equal(c.calls('/compute/v2.1/os-services').length, 25);
  });

  it('logs in again once when a token is refused mid-run, then succeeds', async () => {
    const c = await cloud();
    const { client: os } = client(c);
    await os.request('compute', 'os-services', services);
    c.revokeAll();
    // Several requests fail with the same stale token; only one new login follows.
    await Promise.all(Array.from({ length: 5 }, () => os.request('compute', 'os-services', services)));
    assert.equal(c.tokensIssued, 2);
  });

  it('fails clearly when a fresh token is refused as well', async () => {
    let seenToken = '';
    const c = await cloud({
      intercept: (r) => {
        if (r.path !== '/compute/v2.1/os-services') return undefined;
        seenToken = String(r.headers['x-auth-token']);
        // A misbehaving proxy that echoes the token back in its error body.
        return { status: 401, body: { error: { message: `token ${seenToken} is not valid here` } } };
      },
    });
    const err = await rejects(client(c).client.request('compute', 'os-services', services));
    assert.ok(err instanceof OpenStackHttpError);
    assert.match(err.message, /refused a freshly issued token too/);
    assert.equal(c.tokensIssued, 2);
    assert.ok(seenToken.length > 0);
    assert.ok(!err.message.includes(seenToken), 'the token is redacted from the error');
    assert.match(err.message, /token \*\*\* is not valid here/);
  });

  it('renews the token before it expires, by the margin', async () => {
    const c = await cloud({ tokenLifetimeMs: 10 * 60_000 });
    let now = Date.now();
    const { client: os } = client(c, { now: () => now, reauthMarginMs: 2 * 60_000 });
    await os.request('compute', 'os-services', services);
    now += 5 * 60_000;
    await os.request('compute', 'os-services', services);
    assert.equal(c.tokensIssued, 1, 'still well before expiry');
    now += 3.5 * 60_000; // 8.5 min into a 10 min token: inside the 2 min margin
    await os.request('compute', 'os-services', services);
    assert.equal(c.tokensIssued, 2);
    assert.equal(c.calls(/os-services/).filter((r) => r.headers['x-auth-token'] === undefined).length, 0);
  });

  it('judges expiry by the token lifetime, not by comparing clocks', async () => {
    // Keystone's clock is two hours ahead; the token still lives 10 minutes from now.
    const c = await cloud({
      intercept: (r) => {
        if (!r.path.endsWith('/auth/tokens')) return undefined;
        c.validTokens.add('skewed-token-1');
        c.tokensIssued++;
        const issued = Date.now() + 2 * 3_600_000;
        return {
          status: 201,
          headers: { 'x-subject-token': 'skewed-token-1' },
          body: { token: { issued_at: new Date(issued).toISOString().replace('Z', ''), expires_at: new Date(issued + 600_000).toISOString().replace('Z', ''), catalog: c.catalog() } },
        };
      },
    });
    const { client: os } = client(c);
    await os.request('compute', 'os-services', services);
    await os.request('compute', 'os-services', services);
    assert.equal(c.tokensIssued, 1);
  });
});

describe('OpenStack client: retries and timeouts', () => {
  it('retries a 503 with backoff and then succeeds', async () => {
    let n = 0;
    const c = await cloud({ intercept: (r) => (r.path.endsWith('os-services') && n++ < 2 ? { status: 503, body: 'Service Unavailable' } : undefined) });
    const { client: os, sleeps } = client(c);
    const out = await os.request('compute', 'os-services', services);
    assert.equal(out.services.length, 1);
    assert.equal(c.calls('/compute/v2.1/os-services').length, 3);
    // Ceiling doubles per attempt (100, 200); with random 0.5 the delay is 3/4 of it.
    assert.deepEqual(sleeps, [75, 150]);
  });

  it('retries 429, 502 and 504 too', async () => {
    const statuses = [429, 502, 504];
    const c = await cloud({ intercept: (r) => (r.path.endsWith('os-services') && statuses.length ? { status: statuses.shift() as number } : undefined) });
    const { client: os } = client(c);
    await os.request('compute', 'os-services', services);
    assert.equal(c.calls('/compute/v2.1/os-services').length, 4);
  });

  it('does not retry a 404 and reports it with the request id', async () => {
    const c = await cloud();
    const { client: os, sleeps } = client(c);
    const err = await rejects(os.request('compute', 'servers/nope', services));
    assert.ok(err instanceof OpenStackHttpError);
    assert.equal(err.status, 404);
    assert.match(err.message, /^compute GET http:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1\/servers\/nope: HTTP 404 Not Found \(request req-\d+\): .*no route/);
    assert.equal(c.calls('/compute/v2.1/servers/nope').length, 1);
    assert.deepEqual(sleeps, []);
  });

  it('does not retry other 4xx answers such as 400 and 403', async () => {
    for (const status of [400, 403, 409]) {
      const c = await cloud({ intercept: (r) => (r.path.endsWith('os-services') ? { status } : undefined) });
      const err = await rejects(client(c).client.request('compute', 'os-services', services));
      assert.equal((err as OpenStackHttpError).status, status);
      assert.equal(c.calls('/compute/v2.1/os-services').length, 1);
    }
  });

  it('honours Retry-After in seconds and as an HTTP date, capped', async () => {
    const answers = [
      { status: 429, headers: { 'retry-after': '3' } },
      { status: 503, headers: { 'retry-after': new Date(Date.now() + 10_000).toUTCString() } },
      { status: 429, headers: { 'retry-after': '86400' } },
    ];
    const c = await cloud({ intercept: (r) => (r.path.endsWith('os-services') ? answers.shift() : undefined) });
    const { client: os, sleeps } = client(c, { retry: { retries: 3, retryAfterMaxMs: 30_000, backoffBaseMs: 100, backoffMaxMs: 1000, timeoutMs: 2000 } });
    await os.request('compute', 'os-services', services);
    assert.equal(sleeps[0], 3000);
    assert.ok((sleeps[1] as number) > 8000 && (sleeps[1] as number) <= 10_000, `date-based delay ${sleeps[1]}`);
    assert.equal(sleeps[2], 30_000);
  });

  it('gives up after the configured retries and says so', async () => {
    const c = await cloud({ intercept: (r) => (r.path.endsWith('os-services') ? { status: 503, body: { message: 'down for maintenance' } } : undefined) });
    const { client: os } = client(c, { retry: { retries: 2, timeoutMs: 2000, backoffBaseMs: 1, backoffMaxMs: 2 } });
    const err = await rejects(os.request('compute', 'os-services', services));
    assert.match(err.message, /HTTP 503 Service Unavailable after 3 attempts .*down for maintenance/);
    assert.equal(c.calls('/compute/v2.1/os-services').length, 3);
  });

  it('retries network errors', async () => {
    const c = await cloud();
    let failures = 1;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).includes('os-services') && failures-- > 0) throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      return fetch(input, init);
    };
    const { client: os, sleeps } = client(c, { fetch: flaky });
    await os.request('compute', 'os-services', services);
    assert.equal(sleeps.length, 1);
  });

  it('reports a refused connection after the retries', async () => {
    const c = await cloud();
    const closed = await startFakeCloud();
    const dead = closed.authUrl;
    await closed.close();
    const os = new OpenStackClient({ auth: { ...passwordAuth(c), authUrl: dead }, retry: { retries: 1, backoffBaseMs: 1, backoffMaxMs: 1, timeoutMs: 1000 } });
    const err = await rejects(os.catalog());
    assert.match(err.message, /identity POST http:\/\/127\.0\.0\.1:\d+\/identity\/v3\/auth\/tokens: request failed: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(gave up after 2 attempts\)/);
  });

  it('times out a slow answer and retries it', async () => {
    let slow = 1;
    const c = await cloud({ intercept: (r) => (r.path.endsWith('os-services') && slow-- > 0 ? { status: 200, body: { services: [] }, delayMs: 400 } : undefined) });
    const { client: os, sleeps } = client(c, { retry: { timeoutMs: 100, retries: 1, backoffBaseMs: 1, backoffMaxMs: 1 } });
    const out = await os.request('compute', 'os-services', services);
    assert.equal(out.services.length, 1);
    assert.equal(sleeps.length, 1);
  });

  it('fails with the timeout when every attempt is slow', async () => {
    const c = await cloud({ intercept: (r) => (r.path.endsWith('os-services') ? { status: 200, body: { services: [] }, delayMs: 400 } : undefined) });
    const { client: os } = client(c, { retry: { timeoutMs: 80, retries: 0, backoffBaseMs: 1, backoffMaxMs: 1 } });
    const started = Date.now();
    const err = await rejects(os.request('compute', 'os-services', services));
    assert.match(err.message, /os-services: no answer within 80 ms$/);
    assert.ok(Date.now() - started < 350);
  });

  it('stops at once, without retrying, when the caller aborts', async () => {
    const controller = new AbortController();
    const c = await cloud({
      intercept: (r) => {
        if (!r.path.endsWith('os-services')) return undefined;
        setTimeout(() => controller.abort(new Error('run cancelled')), 20);
        return { status: 200, body: { services: [] }, delayMs: 500 };
      },
    });
    const { client: os, sleeps } = client(c);
    const started = Date.now();
    const err = await rejects(os.request('compute', 'os-services', services, { signal: controller.signal }));
    assert.match(err.message, /os-services: cancelled \(run cancelled\)/);
    assert.ok(Date.now() - started < 400);
    assert.deepEqual(sleeps, []);
    assert.equal(c.calls('/compute/v2.1/os-services').length, 1);
  });
});

describe('OpenStack client: catalog and microversions', () => {
  it('sends compute 2.88 in both microversion headers when the server supports it', async () => {
    const c = await cloud({ maxMicroversion: '2.96' });
    const { client: os } = client(c);
    await os.request('compute', 'os-services', services);
    const [call] = c.calls('/compute/v2.1/os-services');
    assert.equal(call?.headers['openstack-api-version'], 'compute 2.88');
    assert.equal(call?.headers['x-openstack-nova-api-version'], '2.88');
    assert.deepEqual(os.negotiatedMicroversion, { version: '2.88', requested: '2.88', serverMin: '2.1', serverMax: '2.96' });
    assert.equal(c.calls('/compute/v2.1/').length, 1, 'one discovery');
  });

  it('negotiates down to the server maximum and records why', async () => {
    const c = await cloud({ maxMicroversion: '2.60' });
    const { client: os } = client(c);
    await Promise.all([os.request('compute', 'os-services', services), os.request('compute', 'os-services', services)]);
    assert.equal(c.calls('/compute/v2.1/os-services')[0]?.headers['openstack-api-version'], 'compute 2.60');
    assert.equal(os.negotiatedMicroversion?.version, '2.60');
    assert.match(os.negotiatedMicroversion?.note ?? '', /at most 2\.60/);
    assert.equal(c.calls('/compute/v2.1/').length, 1, 'discovery is shared');
    assert.equal(await os.supports('2.53'), true);
    assert.equal(await os.supports('2.88'), false);
  });

  it('compares microversions numerically (2.9 < 2.10)', async () => {
    const c = await cloud({ maxMicroversion: '2.9' });
    const { client: os } = client(c, { computeMicroversion: '2.10' });
    await os.request('compute', 'os-services', services);
    assert.equal(os.negotiatedMicroversion?.version, '2.9');
  });

  it('sends no microversion to a compute API without microversions', async () => {
    const c = await cloud({ intercept: (r) => (r.path === '/compute/v2.1/' ? { status: 200, body: { version: { id: 'v2.0', version: '', min_version: '' } } } : undefined) });
    const { client: os } = client(c);
    await os.request('compute', 'os-services', services);
    assert.equal(c.calls('/compute/v2.1/os-services')[0]?.headers['openstack-api-version'], undefined);
    assert.equal(os.negotiatedMicroversion?.version, null);
  });

  it('sends the requested version unchecked when discovery is not routed, and explains a 406', async () => {
    const c = await cloud({
      intercept: (r) => {
        if (r.path === '/compute/v2.1/') return { status: 404, body: '<html>not found</html>' };
        if (r.path.endsWith('os-services')) return { status: 406, body: { computeFault: { message: 'Version 2.88 is not supported by the API. Minimum is 2.1 and maximum is 2.60.' } } };
        return undefined;
      },
    });
    const { client: os } = client(c);
    const err = await rejects(os.request('compute', 'os-services', services));
    assert.match(os.negotiatedMicroversion?.note ?? '', /discovery answered HTTP 404/);
    assert.match(err.message, /does not accept microversion 2\.88; set a lower compute microversion: HTTP 406 .*maximum is 2\.60/);
  });

  it('logs in again when a proxy refuses discovery with a stale token', async () => {
    let refused = false;
    const c = await cloud({ intercept: (r) => (r.path === '/compute/v2.1/' && !refused ? ((refused = true), { status: 401, body: {} }) : undefined) });
    const { client: os } = client(c);
    await os.request('compute', 'os-services', services);
    assert.equal(c.tokensIssued, 2);
    assert.equal(os.negotiatedMicroversion?.version, '2.88');
    assert.equal(os.negotiatedMicroversion?.note, undefined);
  });

  it('does not send the compute microversion to other services', async () => {
    const c = await cloud();
    const { client: os } = client(c);
    await os.request('network', 'v2.0/agents', z.object({ agents: z.array(z.unknown()) }));
    assert.equal(c.calls('/network/v2.0/agents')[0]?.headers['openstack-api-version'], undefined);
  });

  it('names what the catalog offers when no endpoint matches the interface and region', async () => {
    const c = await cloud();
    const { client: os } = client(c, {}, { interface: 'internal', regionName: 'pg1' });
    const err = await rejects(os.endpoint('compute'));
    assert.equal(err.message, 'no compute endpoint with interface "internal" in region "pg1"; the catalog offers compute: admin@RegionOne, internal@RegionOne, public@RegionOne');
    const missing = await rejects(os.endpoint('volumev3'));
    assert.match(missing.message, /no "volumev3" service \(it lists: compute, identity, network\)/);
  });

  it('asks for a region when a service has endpoints in several', async () => {
    const c = await cloud({
      catalog: (base) => [{ type: 'compute', endpoints: [{ interface: 'public', region_id: 'pg1', url: `${base}/compute/v2.1` }, { interface: 'public', region_id: 'ay1', url: `${base}/x/v2.1` }] }],
    });
    const err = await rejects(client(c).client.endpoint('compute'));
    assert.match(err.message, /several regions \(ay1, pg1\); set the region name/);
    const chosen = await client(c, {}, { regionName: 'ay1' }).client.endpoint('compute');
    assert.equal(chosen.region, 'ay1');
    assert.deepEqual(await client(c).client.regions(), ['ay1', 'pg1']);
  });

  it('reports a non-JSON answer without crashing', async () => {
    const c = await cloud({ intercept: (r) => (r.path.endsWith('os-services') ? { status: 200, body: '<html>proxy error</html>' } : undefined) });
    const err = await rejects(client(c).client.request('compute', 'os-services', services));
    assert.ok(err instanceof CollectorError);
    assert.match(err.message, /os-services: the answer is not JSON \(HTTP 200\): <html>proxy error/);
  });
});

describe('OpenStack client: consoles', () => {
  it('reads the last lines of the console log', async () => {
    const c = await cloud({ intercept: (r) => (r.path.endsWith('/servers/srv-1/action') ? { status: 200, body: { output: 'line1\nKernel panic - not syncing\n' } } : undefined) });
    const out = await client(c).client.getConsoleOutput('srv-1', 50);
    assert.match(out, /Kernel panic/);
    assert.deepEqual(JSON.parse(c.calls('/compute/v2.1/servers/srv-1/action')[0]?.body ?? ''), { 'os-getConsoleOutput': { length: 50 } });
  });

  it('asks remote-consoles for a noVNC URL', async () => {
    const c = await cloud({
      intercept: (r) => (r.path.endsWith('/remote-consoles') ? { status: 200, body: { remote_console: { protocol: 'vnc', type: 'novnc', url: 'https://console.example/vnc_auto.html?path=%3Ftoken%3Dabc' } } } : undefined),
    });
    const out = await client(c).client.getConsoleUrl('srv-1');
    assert.equal(out.type, 'novnc');
    assert.deepEqual(JSON.parse(c.calls('/compute/v2.1/servers/srv-1/remote-consoles')[0]?.body ?? ''), { remote_console: { protocol: 'vnc', type: 'novnc' } });
  });

  it('falls back to the server action before microversion 2.6', async () => {
    const c = await cloud({ maxMicroversion: '2.5', intercept: (r) => (r.path.endsWith('/servers/srv-1/action') ? { status: 200, body: { console: { type: 'novnc', url: 'https://console.example/x' } } } : undefined) });
    const out = await client(c).client.getConsoleUrl('srv-1');
    assert.equal(out.url, 'https://console.example/x');
    assert.deepEqual(JSON.parse(c.calls('/compute/v2.1/servers/srv-1/action')[0]?.body ?? ''), { 'os-getVNCConsole': { type: 'novnc' } });
  });
});

describe('OpenStack client: secrets', () => {
  it('never shows the password, the application credential secret or a token in an error', async () => {
    // Error messages gathered by every test above, plus a server that echoes everything it was sent.
    const c = await cloud({
      intercept: (r) => (r.path.endsWith('/auth/tokens') ? { status: 400, body: { error: { message: `bad request: ${r.body}` } } } : undefined),
    });
    const echoed = await rejects(client(c).client.catalog());
    assert.match(echoed.message, /\\"password\\":\\"\*\*\*\\"/);
    const app = new OpenStackClient({ auth: { authUrl: c.authUrl, applicationCredentialId: 'ac', applicationCredentialSecret: FAKE_SECRET, interface: 'public' }, retry: { retries: 0 } });
    await rejects(app.catalog());
    assert.ok(messages.length > 15, `collected ${messages.length} messages`);
    const tokens = clouds.flatMap((cl) => [...cl.requests.map((r) => r.headers['x-auth-token']).filter((t): t is string => typeof t === 'string')]);
    for (const m of messages) {
      assert.ok(!m.includes(FAKE_PASSWORD), `password in: ${m}`);
      assert.ok(!m.includes(FAKE_SECRET), `secret in: ${m}`);
      for (const t of tokens) assert.ok(!m.includes(t), `token in: ${m}`);
    }
  });
});
