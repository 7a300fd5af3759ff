import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { loadScenario, parseFault, parseScenarioText } from './load.js';

function rejects(text: string): ConfigError {
  try {
    parseScenarioText(text, 'bad.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected the scenario to be rejected');
}

const HEAD = 'name: t\ntitle: T\ndescription: d\n';

describe('scenario files', () => {
  it('fill in defaults: small healthy fleet, faults at t=0, one server', () => {
    const s = parseScenarioText(`${HEAD}faults:\n  - kind: vm-hang\n`, 't.yaml');
    assert.deepEqual(s.fleet, { seed: 'faultline', size: 'small', baseline: 'healthy' });
    assert.equal(s.faults[0]?.at, 0);
    assert.equal(s.faults[0]?.kind === 'vm-hang' && s.faults[0].servers.count, 1);
  });

  it('name the file, the key and a fix for an unknown fault kind', () => {
    const err = rejects(`${HEAD}faults:\n  - kind: vm-explodes\n`);
    assert.equal(err.file, 'bad.yaml');
    assert.equal(err.key, 'faults[0].kind');
    assert.match(err.fix ?? '', /vm-hang, vm-down, pm-hang/);
  });

  it('reject misspelt keys with the key to remove', () => {
    const err = rejects(`${HEAD}faults:\n  - kind: vm-down\n    servers: { rol: db }\n`);
    assert.equal(err.key, 'faults[0].servers');
    assert.match(err.fix ?? '', /remove rol/);
  });

  it('reject a bad regular expression, an unknown alarm code and a dangling sameAs', () => {
    assert.match(rejects(`${HEAD}faults:\n  - kind: vm-down\n    servers: { pattern: "web(" }\n`).message, /not a valid regular expression/);
    const code = rejects(`${HEAD}faults:\n  - kind: alarm\n    code: FAN_TOO_LOUD\n`);
    assert.equal(code.key, 'faults[0].code');
    assert.match(code.fix ?? '', /"MEM_SBE"/);
    const ref = rejects(`${HEAD}faults:\n  - kind: host-facts\n    hypervisor: { sameAs: nope }\n    facts: {}\n`);
    assert.equal(ref.key, 'faults[0].hypervisor.sameAs');
  });

  it('reject YAML syntax errors with the line', () => {
    const err = rejects(`${HEAD}faults:\n  - kind: [vm-down\n`);
    assert.match(err.key ?? '', /^line \d+$/);
  });

  it('load by shipped name or by path, and list the names when unknown', () => {
    assert.equal(loadScenario('pm-hang').name, 'pm-hang');
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    try {
      const file = join(dir, 'mine.yaml');
      writeFileSync(file, `${HEAD}faults: []\n`);
      assert.equal(loadScenario(file).name, 't');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => loadScenario('no-such-scenario'), (err: ConfigError) => /unknown scenario/.test(err.message) && /pm-hang/.test(err.fix ?? ''));
  });

  it('validate admin API faults with the same schema', () => {
    assert.equal(parseFault({ kind: 'alarm', code: 'MEM_SBE', count: 12 }).kind, 'alarm');
    assert.throws(() => parseFault({ kind: 'alarm', code: 'MEM_SBE', count: 0 }), /count/);
  });
});
