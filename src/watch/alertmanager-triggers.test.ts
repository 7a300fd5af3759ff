import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redactor } from '../core/redact.js';
import { AlertmanagerTriggers, alertTarget } from './alertmanager-triggers.js';

const alert = (fingerprint: string, labels: Record<string, string>, state = 'active'): unknown => ({ fingerprint, labels, status: { state, silencedBy: [], inhibitedBy: [] } });

function source(answers: unknown[][], redactor = new Redactor()): { triggers: AlertmanagerTriggers; urls: string[] } {
  const urls: string[] = [];
  let i = 0;
  const fake = (async (url: string | URL | Request) => {
    urls.push(String(url));
    return new Response(JSON.stringify(answers[Math.min(i++, answers.length - 1)]), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { triggers: new AlertmanagerTriggers({ url: 'http://am.example:9093/', timeoutMs: 1000, headers: {}, redactor, fetch: fake }), urls };
}

describe('Alertmanager triggers', () => {
  it('takes the target from the most specific label, and the host of an instance label without its port', () => {
    assert.equal(alertTarget({ server: 'web-01', host: 'com001' }), 'web-01');
    assert.equal(alertTarget({ hypervisor: 'com001.pg1' }), 'com001.pg1');
    assert.equal(alertTarget({ instance: 'com908.pg1:9100' }), 'com908.pg1');
    assert.equal(alertTarget({ instance: '[fd00::8]:9100' }), 'fd00::8');
    assert.equal(alertTarget({ alertname: 'Watchdog' }), null);
  });

  it('asks API v2 for active, unsilenced, uninhibited alerts and triggers once per firing alert with a target', async () => {
    const { triggers, urls } = source([
      [alert('a1', { alertname: 'NodeDown', server: 'web-01' }), alert('a2', { alertname: 'Watchdog' }), alert('a3', { alertname: 'Disk', host: 'com2' }, 'suppressed')],
      [alert('a1', { alertname: 'NodeDown', server: 'web-01' })],
      [],
      [alert('a1', { alertname: 'NodeDown', server: 'web-01' })],
    ]);
    const signal = new AbortController().signal;
    const first = await triggers.poll(signal);
    assert.deepEqual(first, [{ source: 'alertmanager', detail: 'NodeDown firing (a1)', target: 'web-01' }]);
    assert.equal(urls[0], 'http://am.example:9093/api/v2/alerts?active=true&silenced=false&inhibited=false');
    assert.deepEqual(await triggers.poll(signal), [], 'still firing: not a new trigger');
    assert.deepEqual(await triggers.poll(signal), []);
    assert.equal((await triggers.poll(signal)).length, 1, 'resolved, then firing again: a new trigger');
  });

  it('says what went wrong without the password of the URL', async () => {
    const redactor = new Redactor();
    redactor.add('s3cret-pw');
    const failing = (async () => new Response('nope', { status: 503 })) as unknown as typeof fetch;
    const t = new AlertmanagerTriggers({ url: 'http://am:s3cret-pw@am.example:9093', timeoutMs: 1000, headers: {}, redactor, fetch: failing });
    await assert.rejects(t.poll(new AbortController().signal), (err: Error) => /HTTP 503/.test(err.message) && !err.message.includes('s3cret-pw'));
  });
});
