import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fleet } from '../../snapshot/builders.js';
import { PLAN_COLUMNS, planRows, runbookPlan } from '../../runbook/plan.js';
import pmHang from '../../runbook/runbooks/pm-hang.js';
import { saveSnapshot } from '../../snapshot/io.js';
import { renderColumns } from '../openstack.js';
import { runFaultline } from '../testing.js';

/**
 * `faultline triage` and `faultline notice` as processes, on a saved snapshot of a
 * hung prod hypervisor whose DB server is down (no lab needed: both replay with --from).
 */
const HV = 'krane-pg1-com009';
const HOSTILE = '*db*_`x`_<!channel>';

describe('faultline triage and notice from a snapshot', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-triage-'));
    const at = '2026-01-01T00:00:00.000Z';
    const b = fleet().at(at).region('pg1', 'prod').hypervisor(HV, { region: 'pg1', hostIp: '10.0.0.9' }).computeService(HV);
    for (const [i, name] of ['web-1', 'web-2', 'api-1', HOSTILE].entries()) {
      b.server(name, { on: HV, region: 'pg1', ip: `10.1.0.${i + 1}` });
      b.reach(name, false, 'timeout');
    }
    b.probe({ targetKind: 'hypervisor', targetId: HV, address: '10.0.0.9', probedAt: at, ping: { ok: false }, ssh: { state: 'timeout' } });
    b.inventory({ match: { serverName: HOSTILE }, roles: ['db'], owners: ['dba.oncall'] });
    b.inventory({ match: { serverName: 'web-1' }, owners: ['shop.lead'] });
    b.alarm(HV, 'PING_FAIL', { ticketId: '721440', location: 'PG1-024-22-14-33', ips: ['10.0.0.9'], message: 'CRITICAL - Plugin timed out' });
    await saveSnapshot(b.build({ collected: ['networkAgents', 'instanceActions'] }), join(dir, 'snap.json'));
  });

  it('triage --format json: the case, reasons, gates and steps for a ticket', async () => {
    const r = await runFaultline(['triage', '721440', '--from', 'snap.json', '--format', 'json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const t = JSON.parse(r.stdout) as { case: string; reasons: string[]; gates: { id: string; status: string }[]; steps: unknown[]; runbook: { id: string; commands: string[] } };
    assert.equal(t.case, 'pm-hang');
    assert.ok(t.reasons.length >= 2);
    assert.deepEqual(t.gates.find((g) => g.id === 'db-servers')?.status, 'notify');
    assert.deepEqual(t.runbook.commands, [`faultline run pm-hang ${HV}`]);
    assert.deepEqual(t.steps, runbookPlan(pmHang), 'the steps are the pm-hang runbook\'s own plan');
  });

  it('triage as a table says what it is, why, the gates and the plan, and that it changed nothing', async () => {
    const r = await runFaultline(['triage', HV, '--from', 'snap.json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${HV}: PM hang\\n`));
    assert.match(r.stdout, /\nGates:\n.*\[TELL\] db-servers: DB server\(s\) already impacted/s);
    assert.match(r.stdout, /\nPlan: runbook pm-hang \(PM hang, catalog §4\.4\), dry run: nothing was changed:\n/);
    // The same table `faultline run pm-hang <hypervisor>` prints, built by the same code from the runbook.
    assert.ok(r.stdout.includes(renderColumns([...PLAN_COLUMNS], planRows(runbookPlan(pmHang)))), r.stdout);
    assert.match(r.stdout, new RegExp(`\\$ faultline run pm-hang ${HV}\n`));
  });

  it('triage of something the snapshot does not know is a usage error', async () => {
    const r = await runFaultline(['triage', 'nope-999', '--from', 'snap.json'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"nope-999" is not a ticket in the alarm feed, a hypervisor or a server/);
  });

  it('notice prints the fault notice with the ticket, the servers, the DB warning and inert names', async () => {
    const r = await runFaultline(['notice', '721440', '--from', 'snap.json', '--lang', 'en'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /721440/);
    assert.match(r.stdout, /PING\\?_FAIL/);
    assert.match(r.stdout, /web-2/);
    assert.doesNotMatch(r.stdout, /<!channel>/, 'the hostile name cannot mention a channel');
    assert.doesNotMatch(r.stdout, /(^|[^\\])\*db\*/, 'the hostile name cannot turn bold');
  });

  it('a recovery comment needs what was done and who confirmed it', async () => {
    const missing = await runFaultline(['notice', HV, '--from', 'snap.json', '--kind', 'recovery'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--done .* --confirmed-by/);
    const ok = await runFaultline(['notice', HV, '--from', 'snap.json', '--kind', 'recovery', '--done', 'rebooted the hypervisor', '--confirmed-by', 'fate.k', '--lang', 'en'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /fate\.k/);
    assert.match(ok.stdout, /rebooted the hypervisor/);
  });

  describe('--send', () => {
    let received: { path: string; body: string }[] = [];
    let url = '';
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(req.url?.includes('revoked') ? 404 : 200).end(req.url?.includes('revoked') ? 'no_service' : 'ok');
      });
    });
    before(async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      url = `http://127.0.0.1:${port}/services/T000/B000/secretpath`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('posts the notice once to notices.webhook and never prints the webhook URL', async () => {
      received = [];
      await writeFile(join(dir, 'faultline.yaml'), `notices:\n  webhook: ${url}\n  lang: en\n  owners: { shop.lead: "<@U0SHOP>" }\n`);
      const r = await runFaultline(['notice', '721440', '--from', 'snap.json', '--send'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(received.length, 1);
      assert.equal(received[0]?.path, '/services/T000/B000/secretpath');
      const text = (JSON.parse(received[0]?.body ?? '{}') as { text: string }).text;
      assert.match(text, /721440/);
      assert.match(text, /<@U0SHOP>/, 'the configured owner mention goes out as written');
      assert.doesNotMatch(r.stdout + r.stderr, /secretpath/);
    });

    it('a webhook that refuses is exit 1 with the reason, the URL still redacted', async () => {
      await writeFile(join(dir, 'faultline.yaml'), `notices:\n  webhook: ${url.replace('secretpath', 'revoked-secret')}\n`);
      const r = await runFaultline(['notice', '721440', '--from', 'snap.json', '--send'], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /404/);
      assert.doesNotMatch(r.stderr, /revoked-secret/);
    });

    it('--send without a webhook is a configuration error naming the key', async () => {
      await writeFile(join(dir, 'faultline.yaml'), 'notices:\n  lang: en\n');
      const r = await runFaultline(['notice', '721440', '--from', 'snap.json', '--send'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /notices\.webhook/);
    });
  });
});
