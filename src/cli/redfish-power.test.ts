// The Redfish power driver against the lab's BMCs. Here and not in act/, because act/ may not import the lab.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RedfishClient, RedfishError, setPower, type BmcTarget, type RedfishOptions } from '../act/bmc/redfish.js';
import { redfishPowerDriver } from '../act/bmc/driver.js';
import { bmcTarget, readBmcInventory } from '../act/bmc/targets.js';
import { ConfigError } from '../core/errors.js';
import { Redactor } from '../core/redact.js';
import { parseConfig } from '../config/load.js';
import { loadScenario, startLab, type LabBmc, type RunningLab } from '../lab/index.js';

const DELAY = 4_000;

describe('Redfish power driver against the lab BMCs', () => {
  let lab: RunningLab;
  let hung: LabBmc;
  let others: LabBmc[];
  let proxy: Server;
  /** What the proxy does with a reset: pass it on, pass it on and never answer, or never pass it on. */
  let proxyMode: 'pass' | 'swallow' | 'drop' = 'pass';
  let proxyTarget = '';

  const target = (b: LabBmc, url = lab.bmc?.url(b.hostname) as string): BmcTarget => ({ hypervisor: b.hostname, url, username: b.username, password: b.password });
  // The lab clock moves only when the driver waits, so the delay is exact and the test takes no real time.
  const clockOptions = (): RedfishOptions => ({ pollIntervalMs: 500, powerTimeoutMs: 60_000, resetSettleMs: 10_000, requestTimeoutMs: 300, sleep: async (ms) => lab.state.advance(ms), now: () => lab.state.now() });
  const resetsOf = (b: LabBmc) => (lab.bmc?.bmcs.log() ?? []).filter((e) => e.bmc === b.hostname && e.resetType !== null);

  before(async () => {
    lab = await startLab({ scenario: loadScenario('pm-hang'), clock: 'manual', actionDurationMs: 0, sshHosts: false, kubernetes: false, bmc: { powerDelayMs: DELAY } });
    const hungHost = lab.faults.get('hung-pm')?.hypervisor;
    const all = lab.bmc?.bmcs.list() ?? [];
    hung = all.find((b) => b.hostname === hungHost) as LabBmc;
    others = all.filter((b) => b !== hung && lab.state.serversOnHost(b.hostname).length > 0);
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const isReset = req.method === 'POST';
        if (isReset && proxyMode === 'drop') {
          proxyMode = 'pass'; // lost on the way, once: the BMC never hears of it
          return;
        }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => ['authorization', 'content-type', 'accept'].includes(k))) as Record<string, string>;
        fetch(`${proxyTarget}${req.url}`, { method: req.method, headers, body: isReset ? Buffer.concat(chunks) : undefined })
          .then(async (r) => {
            const body = await r.text();
            if (isReset && proxyMode === 'swallow') return; // carried out, but the answer never comes back
            res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'application/json' });
            res.end(body);
          })
          .catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await lab.stop();
  });

  it('finds the system and reads its power state', async () => {
    const client = new RedfishClient(target(hung));
    const system = await client.system();
    assert.equal(system.path, '/redfish/v1/Systems/1');
    assert.equal(system.powerState, 'On');
    assert.equal(system.hostName, hung.hostname);
    assert.ok(system.resetTypes.includes('ForceOff'));
  });

  it('power-cycles a hung hypervisor: ForceOff, waits for Off, On, waits for On; its servers come back SHUTOFF', async () => {
    const onHost = lab.state.serversOnHost(hung.hostname).map((s) => s.id);
    const started = lab.state.now();
    const outcome = await setPower(new RedfishClient(target(hung)), 'cycle', clockOptions());
    assert.equal(outcome.ok, true, outcome.summary);
    assert.equal(outcome.summary, 'power cycled');
    assert.deepEqual(outcome.steps.map((s) => [s.resetType, s.result]), [['ForceOff', 'accepted'], ['On', 'accepted']]);
    assert.ok(lab.state.now() - started >= 2 * DELAY, 'it waited for both changes instead of trusting the 204s');
    assert.deepEqual(resetsOf(hung).map((e) => [e.resetType, e.status]), [['ForceOff', 204], ['On', 204]]);
    assert.equal(lab.faults.reachability(hung.hypervisor.hostIp), 'ok');
    assert.equal(lab.faults.get('hung-pm')?.status, 'cleared');
    for (const id of onHost) assert.equal(lab.state.server(id)?.vmState, 'stopped');
  });

  it('leaves a hypervisor alone that is already in the wanted state', async () => {
    const b = others[0] as LabBmc;
    const outcome = await setPower(new RedfishClient(target(b)), 'on', clockOptions());
    assert.equal(outcome.summary, 'already on');
    assert.equal(resetsOf(b).length, 0);
  });

  it('a reset whose answer never came is observed, not repeated', async () => {
    const b = others[1] as LabBmc;
    proxyTarget = lab.bmc?.url(b.hostname) as string;
    proxyMode = 'swallow';
    const address = proxy.address() as AddressInfo;
    const outcome = await setPower(new RedfishClient(target(b, `http://127.0.0.1:${address.port}`), clockOptions()), 'off', clockOptions());
    proxyMode = 'pass';
    assert.equal(outcome.ok, true, outcome.summary);
    assert.deepEqual(outcome.steps.map((s) => s.result), ['uncertain']);
    assert.equal(resetsOf(b).length, 1, 'the BMC saw exactly one ForceOff');
    assert.equal(lab.bmc?.bmcs.powerState(b.hostname), 'Off');
  });

  it('a reset that never arrived is sent once more after the settle time shows no effect', async () => {
    const b = others[2] as LabBmc;
    proxyTarget = lab.bmc?.url(b.hostname) as string;
    proxyMode = 'drop';
    const address = proxy.address() as AddressInfo;
    const client = new RedfishClient(target(b, `http://127.0.0.1:${address.port}`), clockOptions());
    const outcome = await setPower(client, 'off', clockOptions());
    assert.equal(outcome.ok, true, outcome.summary);
    assert.deepEqual(outcome.steps.map((s) => s.result), ['uncertain', 'accepted']);
    assert.equal(resetsOf(b).length, 1, 'only the resend reached the BMC');
  });

  it('refuses wrong credentials with a clear error that does not hold the password', async () => {
    const b = others[0] as LabBmc;
    const wrong = `${b.password}-not`;
    await assert.rejects(
      () => setPower(new RedfishClient({ ...target(b), password: wrong }), 'off', clockOptions()),
      (err: unknown) => err instanceof RedfishError && err.status === 401 && /credentials/.test(err.message) && !err.message.includes(wrong),
    );
    assert.equal(resetsOf(b).length, 0);
  });

  it('gives up at the deadline and says on what state', async () => {
    const b = others[0] as LabBmc;
    const outcome = await setPower(new RedfishClient(target(b)), 'off', { ...clockOptions(), powerTimeoutMs: DELAY / 2 });
    assert.equal(outcome.ok, false);
    assert.match(outcome.summary, /timed out waiting for PowerState Off \(last PowerState PoweringOff\)/);
    assert.equal(resetsOf(b).length, 1);
    assert.ok(!JSON.stringify(outcome).includes(b.password));
    lab.state.advance(DELAY);
  });

  it('reads the lab inventory, registers its passwords and names file and key on errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-bmc-'));
    const file = join(dir, 'bmc.yaml');
    writeFileSync(file, lab.bmc?.inventoryYaml() ?? '');
    const redactor = new Redactor();
    const targets = readBmcInventory(file, redactor);
    assert.equal(targets.size, lab.state.hypervisors.length);
    assert.equal(redactor.redact(`password ${hung.password}`), 'password ***');
    const config = parseConfig('bmc:\n  inventory: bmc.yaml\n', join(dir, 'faultline.yaml'), []);
    assert.equal(bmcTarget(config.config.bmc, config.file, hung.hostname, redactor).password, hung.password);
    assert.throws(() => bmcTarget(config.config.bmc, config.file, 'no-such-host', redactor), (err: unknown) => err instanceof ConfigError && err.file === file && err.key === 'hypervisors.no-such-host' && !!err.fix);
    writeFileSync(file, 'hypervisors:\n  hv1: { address: "ftp://x", username: a, password: s3cr3t-pw }\n');
    assert.throws(() => readBmcInventory(file, redactor), (err: unknown) => err instanceof ConfigError && err.key === 'hypervisors.hv1.address' && !err.message.includes('s3cr3t-pw'));
    assert.throws(() => bmcTarget(undefined, config.file, 'hv1', redactor), (err: unknown) => err instanceof ConfigError && err.key === 'bmc');
  });

  it("is the runbook engine's power port: reads state, sends a reset the BMC carries out, and a refused one is an error", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-bmc-driver-'));
    writeFileSync(join(dir, 'bmc.yaml'), lab.bmc?.inventoryYaml() ?? '');
    const config = parseConfig('bmc:\n  inventory: bmc.yaml\n', join(dir, 'faultline.yaml'), []);
    const driver = redfishPowerDriver(config.config.bmc, config.file, new Redactor());
    // A hypervisor the earlier tests left powered on.
    const states = await Promise.all(others.map(async (b) => [b, await driver.state(b.hostname)] as const));
    const other = states.find(([, st]) => st === 'On')?.[0] as LabBmc;
    assert.ok(other, JSON.stringify(states.map(([b, st]) => [b.hostname, st])));
    const before = resetsOf(other).length;
    await driver.reset(other.hostname, 'ForceOff');
    lab.state.advance(DELAY + 1_000);
    assert.equal(await driver.state(other.hostname), 'Off');
    assert.deepEqual(resetsOf(other).slice(before).map((e) => e.resetType), ['ForceOff']);
    await driver.reset(other.hostname, 'On');
    lab.state.advance(DELAY + 1_000);
    assert.equal(await driver.state(other.hostname), 'On');
    // Already on: the lab's BMC answers 409, which the engine must hear as a failure, not as done.
    await assert.rejects(driver.reset(other.hostname, 'On'), (err: unknown) => err instanceof RedfishError && /refused On/.test(err.message) && !err.message.includes(other.password));
    await assert.rejects(driver.state('no-such-host'), (err: unknown) => err instanceof ConfigError && err.key === 'hypervisors.no-such-host');
  });
});
