import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { ConfigValidationError, loadConfig, loadConfigLazily, parseConfig } from './load.js';
import { configJsonSchema, defaultConfig } from './schema.js';

const DETECTORS = ['server-error', 'hypervisor-down', 'disk-smart-failing'] as const;
const FILE = '/etc/faultline/faultline.yaml';

const root = mkdtempSync(join(tmpdir(), 'faultline-config-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
function dir(files: Record<string, string> = {}): string {
  const d = join(root, `case-${++dirCount}`);
  mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

/** Parses text expecting failure and returns the error for inspection. */
function rejects(text: string): ConfigValidationError {
  try {
    parseConfig(text, FILE, DETECTORS);
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError, `expected ConfigValidationError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the config to be rejected');
}

describe('faultline.yaml schema', () => {
  it('fills every default when the file is empty', () => {
    const { config } = parseConfig('', FILE, DETECTORS);
    assert.deepEqual(config, defaultConfig());
    assert.equal(config.openstack.interface, 'public');
    assert.equal(config.openstack.timeoutSeconds, 30);
    assert.equal(config.openstack.microversion, '2.88');
    assert.equal(config.collectTimeoutSeconds, 120);
    assert.deepEqual(config.suppressions, []);
    assert.equal(config.alarms, undefined);
  });

  it('applies defaults inside a section that is partly written', () => {
    const { config } = parseConfig('openstack:\n  cloud: prod\nalarms:\n  source: https://alarms.example/api\n', FILE, DETECTORS);
    assert.equal(config.openstack.cloud, 'prod');
    assert.equal(config.openstack.interface, 'public');
    assert.equal(config.alarms?.format, 'tickets');
    assert.equal(config.alarms?.timeoutSeconds, 15);
  });

  it('accepts a full configuration', () => {
    const text = [
      'openstack:',
      '  cloud: prod',
      '  regions: [RegionOne, RegionTwo]',
      '  interface: internal',
      '  timeoutSeconds: 10',
      '  computeHostPattern: "^cmp-\\\\d+$"',
      '  microversion: "2.79"',
      'kubernetes:',
      '  kubeconfig: /srv/kube/config',
      '  contexts: [prod-a]',
      'collectors:',
      '  servers: { enabled: true, timeoutSeconds: 300 }',
      'collectTimeoutSeconds: 60',
      'alarms:',
      '  source: https://alarms.example/api',
      '  format: alertmanager',
      '  headers: { Authorization: Bearer abcdef }',
      'inventory: { file: /srv/inventory.yaml }',
      'detectors:',
      '  server-error: { severity: critical, options: { minAgeMinutes: 5 } }',
      '  hypervisor-down: { enabled: false }',
      'suppressions:',
      '  - detector: server-error',
      '    resource: "test-*"',
      '    reason: test servers fail on purpose',
      '    until: 2026-12-31',
      'report: { format: html, out: /tmp/r.html, failOn: high }',
      'zones: { RegionOne: prod, RegionTwo: dev }',
    ].join('\n');
    const { config } = parseConfig(text, FILE, DETECTORS);
    assert.equal(config.openstack.interface, 'internal');
    assert.equal(config.detectors['server-error']?.severity, 'critical');
    assert.equal(config.suppressions[0]?.until, '2026-12-31');
    assert.equal(config.zones['RegionTwo'], 'dev');
    assert.equal(config.report.failOn, 'high');
  });

  it('describes the file as JSON Schema with strict objects and input defaults', () => {
    const schema = configJsonSchema() as { properties: Record<string, { properties?: Record<string, { default?: unknown }>; additionalProperties?: unknown }>; additionalProperties: unknown };
    assert.equal(schema.additionalProperties, false);
    assert.equal(schema.properties['openstack']?.properties?.['interface']?.default, 'public');
    assert.equal(schema.properties['openstack']?.additionalProperties, false);
    assert.ok(schema.properties['suppressions']);
  });
});

describe('config errors', () => {
  it('names an unknown key with its line and the closest known key', () => {
    const err = rejects('openstack:\n  cloud: prod\n  timeoutSecond: 5\n');
    assert.equal(err.file, FILE);
    assert.equal(err.key, 'openstack.timeoutSecond');
    assert.equal(err.issues[0]?.line, 3);
    assert.match(err.message, /unknown key "timeoutSecond" \(did you mean "timeoutSeconds"\?\)/);
    assert.equal(err.fix, 'rename it to "timeoutSeconds"');
  });

  it('lists the allowed keys when no known key is close', () => {
    const err = rejects('report:\n  colour: blue\n');
    assert.match(err.fix ?? '', /format, out, failOn/);
  });

  it('names an unknown top-level key', () => {
    const err = rejects('detector:\n  server-error: {}\n');
    assert.equal(err.key, 'detector');
    assert.equal(err.fix, 'rename it to "detectors"');
  });

  it('names a bad severity by its full key path and offers the allowed values', () => {
    const err = rejects('detectors:\n  server-error:\n    severity: hgh\n');
    assert.equal(err.key, 'detectors.server-error.severity');
    assert.equal(err.issues[0]?.line, 3);
    assert.match(err.message, /"hgh" is not allowed here \(did you mean "high"\?\)/);
    assert.equal(err.fix, 'use one of: info, low, medium, high, critical');
  });

  it('names a notices webhook that is not a URL and a mention template without {owner}', () => {
    const err = rejects('notices:\n  webhook: hooks.slack.com/x\n  mention: "@owner"\n');
    assert.equal(err.key, 'notices.webhook');
    assert.match(err.message, /is not an http\(s\) URL/);
    assert.ok(err.issues.some((i) => i.key === 'notices.mention' && /\{owner\}/.test(i.fix ?? '')));
  });

  it('names business hours with an unknown time zone, a time that is not HH:MM, and an end before the start', () => {
    const zone = rejects('runbooks:\n  businessHours:\n    timeZone: Asia/Sole\n');
    assert.equal(zone.key, 'runbooks.businessHours.timeZone');
    assert.match(zone.fix ?? '', /Asia\/Seoul/);
    const time = rejects('runbooks:\n  businessHours:\n    start: "9"\n');
    assert.equal(time.key, 'runbooks.businessHours.start');
    assert.match(time.fix ?? '', /HH:MM/);
    const order = rejects('runbooks:\n  businessHours:\n    start: "18:00"\n    end: "09:00"\n');
    assert.equal(order.key, 'runbooks.businessHours');
    assert.match(order.fix ?? '', /end later than start/);
  });

  it('leaves the watch without auto-runs by default, and names a bad flap limit or Alertmanager URL by key', () => {
    const { config } = parseConfig('', FILE, DETECTORS);
    assert.equal(config.watch.autoRun['host-stopped-server'].enabled, false);
    assert.deepEqual(config.watch.autoRun['host-stopped-server'].flapLimit, { restarts: 3, windowMinutes: 60 });
    const on = parseConfig('watch:\n  autoRun:\n    host-stopped-server: { enabled: true, flapLimit: { restarts: 2 } }\n', FILE, DETECTORS).config;
    assert.deepEqual(on.watch.autoRun['host-stopped-server'], { enabled: true, flapLimit: { restarts: 2, windowMinutes: 60 }, maxStopAgeMinutes: 60 });
    const zero = rejects('watch:\n  autoRun:\n    host-stopped-server: { enabled: true, flapLimit: { restarts: 0 } }\n');
    assert.equal(zero.key, 'watch.autoRun.host-stopped-server.flapLimit.restarts');
    const other = rejects('watch:\n  autoRun:\n    vm-hang: { enabled: true }\n');
    assert.match(other.message, /vm-hang/);
    const url = rejects('watch:\n  alertmanager:\n    url: alertmanager:9093\n');
    assert.equal(url.key, 'watch.alertmanager.url');
    assert.match(url.fix ?? '', /http:\/\/alertmanager/);
    const { redactor } = parseConfig('watch:\n  alertmanager:\n    url: http://am:pw-778899@am.example:9093\n', FILE, DETECTORS);
    assert.equal(redactor.redact('GET http://am:pw-778899@am.example:9093'), 'GET http://am:***@am.example:9093');
  });

  it('says a suppression without a reason needs one, by index', () => {
    const err = rejects(['suppressions:', '  - detector: server-error', '    reason: ok', '  - resource: x', '    reason: fine', '  - detector: server-error'].join('\n'));
    assert.equal(err.key, 'suppressions[2].reason');
    assert.equal(err.issues[0]?.line, 6);
    assert.match(err.message, /is required/);
    assert.match(err.fix ?? '', /add "reason: ..."/);
  });

  it('rejects a suppression that would hide everything', () => {
    const err = rejects('suppressions:\n  - reason: too noisy\n');
    assert.equal(err.key, 'suppressions[0]');
    assert.match(err.fix ?? '', /detector, resource, parent or fingerprint/);
  });

  it('rejects an empty reason', () => {
    const err = rejects('suppressions:\n  - detector: server-error\n    reason: "  "\n');
    assert.equal(err.key, 'suppressions[0].reason');
    assert.match(err.message, /is empty/);
  });

  it('rejects an until that is not an ISO date', () => {
    const err = rejects('suppressions:\n  - detector: server-error\n    reason: x\n    until: next tuesday\n');
    assert.equal(err.key, 'suppressions[0].until');
    assert.match(err.fix ?? '', /2026-03-31/);
  });

  it('says "unknown detector X (did you mean Y?)" for detector settings', () => {
    const err = rejects('detectors:\n  server-eror:\n    enabled: false\n');
    assert.equal(err.key, 'detectors.server-eror');
    assert.equal(err.issues[0]?.line, 2);
    assert.match(err.message, /unknown detector server-eror \(did you mean "server-error"\?\)/);
    assert.equal(err.fix, 'write "server-error"');
  });

  it('says "unknown detector" for a suppression naming a missing detector', () => {
    const err = rejects('suppressions:\n  - detector: hypervisor-dwn\n    reason: maintenance\n');
    assert.equal(err.key, 'suppressions[0].detector');
    assert.match(err.message, /unknown detector hypervisor-dwn \(did you mean "hypervisor-down"\?\)/);
  });

  it('reports a wrong type with what to write instead', () => {
    const err = rejects('openstack:\n  timeoutSeconds: soon\n');
    assert.equal(err.key, 'openstack.timeoutSeconds');
    assert.match(err.message, /expected a number, found a text value/);
  });

  it('rejects a compute host pattern that is not a regular expression', () => {
    const err = rejects('openstack:\n  computeHostPattern: "cmp-("\n');
    assert.equal(err.key, 'openstack.computeHostPattern');
  });

  it('rejects a microversion YAML turned into a number', () => {
    const err = rejects('openstack:\n  microversion: 2.60\n');
    assert.equal(err.key, 'openstack.microversion');
    assert.match(err.fix ?? '', /in quotes/);
  });

  it('rejects headers on an alarm source that is a file', () => {
    const err = rejects('alarms:\n  source: /var/alarms.json\n  headers: { X-Key: v }\n');
    assert.equal(err.key, 'alarms.headers');
  });

  it('reports every problem, in file order, leading with the first', () => {
    const err = rejects('report:\n  failOn: urgent\nopenstack:\n  interfaces: public\n');
    assert.deepEqual(err.issues.map((i) => [i.key, i.line]), [['report.failOn', 2], ['openstack.interfaces', 4]]);
    assert.match(err.message, /1 more: openstack\.interfaces/);
  });

  it('rejects a file whose top level is not a mapping', () => {
    const err = rejects('- a\n- b\n');
    assert.equal(err.key, '(top level)');
    assert.match(err.message, /a list, not a mapping/);
  });

  it('reports a YAML syntax error with file, line and column', () => {
    assert.throws(
      () => parseConfig('openstack:\n  cloud: prod\n  cloud: dev\n', FILE, DETECTORS),
      (err: unknown) => err instanceof ConfigError && err.file === FILE && /YAML syntax error at line 3, column 3/.test(err.message),
    );
    assert.throws(() => parseConfig('zones: { a: prod\n', FILE, DETECTORS), (err: unknown) => err instanceof ConfigError && /line \d+, column \d+/.test(err.message));
  });

  it('is a ConfigError, so the CLI exits 2', () => {
    assert.ok(rejects('nope: 1\n') instanceof ConfigError);
  });
});

describe('secrets in faultline.yaml', () => {
  it('registers every string under a secret-looking key, and a password in the alarm URL', () => {
    const text = [
      'alarms:',
      '  source: https://bot:url-pass-99@alarms.example/api',
      '  headers:',
      '    Authorization: Bearer tok-123456',
      'detectors:',
      '  server-error:',
      '    options: { nested: { apiKey: key-abcdef } }',
    ].join('\n');
    const { redactor } = parseConfig(text, FILE, DETECTORS);
    assert.equal(redactor.redact('tok-123456 key-abcdef url-pass-99'), '*** *** ***');
  });

  it('treats the notices webhook URL, and its path on its own, as a secret', () => {
    const url = 'https://hooks.slack.com/services/T000/B000/abcdefSECRET';
    const { redactor, config } = parseConfig(`notices:\n  webhook: ${url}\n  owners: { alice: "<@U111>" }\n`, FILE, DETECTORS);
    assert.equal(config.notices?.webhook, url);
    assert.equal(config.notices?.lang, 'ko');
    assert.equal(config.notices?.timeoutSeconds, 10);
    assert.equal(redactor.redact(`posting to ${url} failed; path /services/T000/B000/abcdefSECRET`), 'posting to *** failed; path ***');
  });
});

describe('finding faultline.yaml', () => {
  it('uses defaults and no file when none is found', () => {
    const cwd = dir();
    const loaded = loadConfig({ cwd, env: {}, knownDetectors: DETECTORS });
    assert.equal(loaded.file, undefined);
    assert.deepEqual(loaded.config, defaultConfig());
  });

  it('finds faultline.yaml, then faultline.yml, in the working directory', () => {
    const both = dir({ 'faultline.yaml': 'zones: { a: prod }\n', 'faultline.yml': 'zones: { b: dev }\n' });
    assert.equal(loadConfig({ cwd: both, env: {}, knownDetectors: DETECTORS }).file, join(both, 'faultline.yaml'));
    const yml = dir({ 'faultline.yml': 'zones: { b: dev }\n' });
    assert.deepEqual(loadConfig({ cwd: yml, env: {}, knownDetectors: DETECTORS }).config.zones, { b: 'dev' });
  });

  it('prefers an explicit path, then FAULTLINE_CONFIG, over the working directory', () => {
    const cwd = dir({ 'faultline.yaml': 'zones: { cwd: prod }\n', 'explicit.yaml': 'zones: { explicit: prod }\n', 'env.yaml': 'zones: { env: prod }\n' });
    const env = { FAULTLINE_CONFIG: 'env.yaml' };
    assert.deepEqual(loadConfig({ path: 'explicit.yaml', cwd, env, knownDetectors: DETECTORS }).config.zones, { explicit: 'prod' });
    assert.deepEqual(loadConfig({ cwd, env, knownDetectors: DETECTORS }).config.zones, { env: 'prod' });
  });

  it('fails when an explicit path does not exist instead of falling back', () => {
    const cwd = dir({ 'faultline.yaml': '' });
    assert.throws(
      () => loadConfig({ path: 'missing.yaml', cwd, env: {}, knownDetectors: DETECTORS }),
      (err: unknown) => err instanceof ConfigError && err.file === join(cwd, 'missing.yaml') && err.key === '--config',
    );
    assert.throws(
      () => loadConfig({ cwd, env: { FAULTLINE_CONFIG: '/nowhere/f.yaml' }, knownDetectors: DETECTORS }),
      (err: unknown) => err instanceof ConfigError && err.key === 'FAULTLINE_CONFIG',
    );
  });

  it('resolves relative paths in the file against its directory, and ~ against HOME', () => {
    const cwd = dir({
      'faultline.yaml': 'inventory: { file: inv.yaml }\nkubernetes: { kubeconfig: ~/kube.yaml }\nalarms: { source: https://a.example/x }\nreport: { out: out/r.html }\n',
    });
    const { config } = loadConfig({ cwd: '/', path: join(cwd, 'faultline.yaml'), env: { HOME: '/home/op' }, knownDetectors: DETECTORS });
    assert.equal(config.inventory?.file, join(cwd, 'inv.yaml'));
    assert.equal(config.kubernetes.kubeconfig, '/home/op/kube.yaml');
    assert.equal(config.alarms?.source, 'https://a.example/x');
    assert.equal(config.report.out, join(cwd, 'out/r.html'));
  });
});

describe('loading with the detector ids asked for lazily', () => {
  const asking = () => {
    const asked = { count: 0 };
    const knownDetectors = async (): Promise<readonly string[]> => {
      asked.count++;
      return DETECTORS;
    };
    return { asked, knownDetectors };
  };

  it('does not ask when the file names no detector', async () => {
    const { asked, knownDetectors } = asking();
    const cwd = dir({ 'faultline.yaml': 'zones: { a: prod }\n' });
    assert.deepEqual((await loadConfigLazily({ cwd, env: {}, knownDetectors })).config, loadConfig({ cwd, env: {}, knownDetectors: DETECTORS }).config);
    assert.deepEqual((await loadConfigLazily({ cwd: dir(), env: {}, knownDetectors })).config, defaultConfig());
    assert.equal(asked.count, 0);
  });

  for (const [what, text] of [
    ['detector settings', 'detectors:\n  server-eror: { enabled: false }\n'],
    ['suppressions', 'suppressions:\n  - { detector: hypervisor-dwn, reason: known }\n'],
  ] as const) {
    it(`asks when the file has ${what}, and rejects a misspelt id as loadConfig does`, async () => {
      const { asked, knownDetectors } = asking();
      const cwd = dir({ 'faultline.yaml': text });
      const expected = (() => {
        try {
          loadConfig({ cwd, env: {}, knownDetectors: DETECTORS });
        } catch (err) {
          return err;
        }
        assert.fail('loadConfig accepted a misspelt detector id');
      })();
      await assert.rejects(loadConfigLazily({ cwd, env: {}, knownDetectors }), (err: unknown) => {
        assert.ok(err instanceof ConfigValidationError);
        assert.equal(err.message, (expected as Error).message);
        return true;
      });
      assert.equal(asked.count, 1);
    });
  }
});
