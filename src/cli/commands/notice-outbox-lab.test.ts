import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { runFaultline, startLabProcess, stopLabProcess, type CliRun } from '../testing.js';

/**
 * `faultline notice --send` against the lab with both of the lab's sinks
 * configured (as `faultline lab` writes them) and a store: the notice goes
 * through the outbox. The witness is what reached the lab's chat webhook and
 * PagerDuty: the fault notice once, one trigger keyed by the incident id, and
 * nothing more when the same notice is sent again (replaying one scan of the lab); a recovery that meets a
 * failing chat is retried and resolves the alert.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('faultline notice --send through the outbox to the lab chat and PagerDuty', { timeout: 120_000 }, () => {
  let dir: string;
  let lab: ChildProcess;
  let banner: string;
  let admin: string;
  let token: string;
  let config: Json;

  const faultline = (args: string[]): Promise<CliRun> => runFaultline(args, { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab' } });
  const adminCall = async (path: string, init: { method?: string; body?: unknown } = {}): Promise<Json> => {
    const res = await fetch(`${admin}${path}`, { method: init.method ?? 'GET', headers: { 'x-lab-admin': token, 'content-type': 'application/json' }, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
    assert.ok(res.status < 300, `${init.method ?? 'GET'} ${path}: ${res.status} ${await res.clone().text()}`);
    return res.status === 204 ? undefined : res.json();
  };
  const secretsOut = (r: CliRun): void => {
    const out = r.stdout + r.stderr;
    assert.ok(!out.includes(config.notify.pagerduty.routingKey), 'the routing key never reaches the output');
    assert.ok(!out.includes(new URL(config.notices.webhook as string).pathname), 'the webhook path never reaches the output');
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-notice-outbox-'));
    const started = await startLabProcess(dir, ['--scenario', 'pm-hang', '--no-prometheus']);
    lab = started.child;
    banner = started.banner;
    ({ admin, token } = started);
    const file = join(dir, 'faultline.yaml');
    config = parse(await readFile(file, 'utf8')) as Json;
    config.store = { path: 'store' };
    // The scenario's hung hypervisor is in a region the lab calls dev, and a dev zone is never paged (CATALOG §4.2): judge every region prod.
    for (const region of Object.keys(config.zones as Record<string, string>)) config.zones[region] = 'prod';
    await writeFile(file, stringify(config));
    // One scan of the lab, replayed by every notice below: the notices are what is under test, not the collectors.
    const scan = await faultline(['scan', '--save-snapshot', 'snap.json', '--format', 'json']);
    assert.ok(scan.code === 0 || scan.code === 1, scan.stderr);
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
  });

  it('faultline lab serves both sinks, prints them and configures them', () => {
    assert.match(banner, /chat\s+http:\/\/127\.0\.0\.1:\d+\/notify\/slack\/services\//);
    assert.match(banner, /pagerduty\s+http:\/\/127\.0\.0\.1:\d+\/notify\/pagerduty\/v2\/enqueue/);
    assert.match(config.notices.webhook as string, /\/notify\/slack\/services\//);
    assert.match(config.notify.pagerduty.routingKey as string, /^[0-9a-f]{32}$/);
  });

  it('the fault notice arrives once and pages once, keyed by the incident; sending it again sends nothing', async () => {
    const fault = ((await adminCall('/faults')) as { faults: { id: string; hypervisor: string | null }[] }).faults.find((f) => f.id === 'hung-pm');
    assert.ok(fault?.hypervisor, 'the scenario hangs a hypervisor');
    const host = fault.hypervisor;
    const first = await faultline(['notice', host, '--send', '--lang', 'en', '--from', 'snap.json']);
    assert.equal(first.code, 0, first.stderr);
    secretsOut(first);
    let got = (await adminCall('/notify')) as Json;
    const chat = got.slack.filter((r: Json) => r.accepted);
    assert.equal(chat.length, 1, JSON.stringify(got.slack));
    assert.ok((chat[0].body.text as string).includes(host), chat[0].body.text);
    const pages = got.pagerduty.filter((r: Json) => r.accepted);
    assert.equal(pages.length, 1, JSON.stringify(got.pagerduty));
    assert.equal(pages[0].body.event_action, 'trigger');
    assert.equal(pages[0].body.payload.source, host);
    const incident = pages[0].body.dedup_key as string;
    assert.match(incident, /^inc-[0-9a-f]+$/);
    assert.match(first.stderr, new RegExp(`fault notice for ${incident}: slack: sent; pagerduty: sent`));
    assert.deepEqual(got.alerts.map((a: Json) => [a.dedupKey, a.status, a.triggers]), [[incident, 'triggered', 1]]);

    const again = await faultline(['notice', host, '--send', '--lang', 'en', '--from', 'snap.json']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /slack: already sent earlier, not sent again; pagerduty: already sent earlier/);
    got = (await adminCall('/notify')) as Json;
    assert.equal(got.slack.length, 1, 'no second chat post');
    assert.equal(got.pagerduty.length, 1, 'no second PagerDuty event');

    // The recovery meets a chat that fails twice: retried, then posted; PagerDuty's alert is resolved.
    await adminCall('/notify/fail', { method: 'POST', body: { sink: 'slack', count: 2, status: 500 } });
    const recovered = await faultline(['notice', incident, '--send', '--lang', 'en', '--from', 'snap.json', '--kind', 'recovery', '--done', 'power-cycled the hypervisor', '--confirmed-by', 'kim']);
    assert.equal(recovered.code, 0, recovered.stderr);
    assert.match(recovered.stderr, /slack attempt 1 .* failed .*500/);
    secretsOut(recovered);
    const end = (await adminCall('/notify')) as Json;
    assert.deepEqual(end.slack.map((r: Json) => r.status), [200, 500, 500, 200]);
    assert.ok((end.slack[3].body.text as string).includes('power-cycled the hypervisor'));
    assert.deepEqual(end.alerts.map((a: Json) => [a.dedupKey, a.status]), [[incident, 'resolved']]);

    // The same hypervisor hangs again after the recovery: the incident id is the same, the spell is new, so the fault
    // notice goes out again and PagerDuty opens a new alert under the same dedup_key.
    const relapse = await faultline(['notice', host, '--send', '--lang', 'en', '--from', 'snap.json']);
    assert.equal(relapse.code, 0, relapse.stderr);
    assert.match(relapse.stderr, /slack: sent; pagerduty: sent/);
    const last = (await adminCall('/notify')) as Json;
    assert.equal(last.slack.filter((r: Json) => r.accepted).length, 3);
    assert.deepEqual(last.alerts.map((a: Json) => [a.dedupKey, a.status, a.triggers]), [[incident, 'triggered', 1]]);
  });
});
