import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OutboxStore } from '../../store/outbox.js';
import { openTestStore } from '../../store/testing.js';
import { runFaultline } from '../testing.js';

/**
 * `faultline outbox` on an embedded store: rows left pending (as a run that
 * gave up waiting leaves them) are listed, `--deliver` sends the due ones to
 * the configured webhook, and a refusing webhook fails a row for good without
 * the webhook's secret path showing anywhere.
 */
describe('faultline outbox', { timeout: 30_000 }, () => {
  let dir: string;
  let chat: Server;
  const arrived: string[] = [];
  let url = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-outbox-'));
    chat = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const text = (JSON.parse(body) as { text: string }).text;
        if (text === 'refused') return void res.writeHead(400).end('invalid_payload');
        arrived.push(text);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => chat.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(chat.address() as AddressInfo).port}/services/T1/B1/hushhushsecret`;
    await writeFile(join(dir, 'faultline.yaml'), `store:\n  path: store\nnotices:\n  webhook: ${url}\n`);
    const store = await openTestStore({ kind: 'embedded', path: join(dir, 'store') });
    const rows = new OutboxStore(store.engine);
    const past = new Date(Date.now() - 60_000);
    await rows.enqueue({ key: 'inc-1/fault/slack', sink: 'slack', payload: { text: 'com001 is down' }, at: past });
    await rows.enqueue({ key: 'inc-2/fault/slack', sink: 'slack', payload: { text: 'refused' }, at: past });
    await rows.enqueue({ key: 'inc-3/fault/pagerduty', sink: 'pagerduty', payload: { event_action: 'trigger', dedup_key: 'inc-3' }, at: past });
    await store.close();
  });
  after(async () => {
    chat.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the pending rows; --deliver sends the due ones once and fails what cannot be sent', async () => {
    const listed = await runFaultline(['outbox', '--format', 'json'], { cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { events: { key: string; state: string }[] }).events.map((e) => [e.key, e.state]), [
      ['inc-1/fault/slack', 'pending'],
      ['inc-2/fault/slack', 'pending'],
      ['inc-3/fault/pagerduty', 'pending'],
    ]);
    assert.deepEqual(arrived, [], 'listing sends nothing');

    const delivered = await runFaultline(['outbox', '--deliver'], { cwd: dir });
    assert.equal(delivered.code, 1, delivered.stderr);
    assert.deepEqual(arrived, ['com001 is down']);
    assert.match(delivered.stderr, /inc-2\/fault\/slack: failed: .*400/);
    assert.match(delivered.stderr, /inc-3\/fault\/pagerduty: failed: no pagerduty sink is configured/);
    assert.match(delivered.stdout, /inc-1\/fault\/slack\s+slack\s+sent\s+1/);
    assert.doesNotMatch(delivered.stdout + delivered.stderr, /hushhushsecret/);

    const again = await runFaultline(['outbox', '--deliver', '--state', 'sent'], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /delivered: 0 sent, 0 to retry, 0 failed/);
    assert.deepEqual(arrived, ['com001 is down'], 'a sent row is never sent again');
    assert.equal(again.stdout.trim().split('\n').length, 2, `one sent row under the header:\n${again.stdout}`);
  });
});
