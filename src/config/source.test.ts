import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { formatKey, parseConfigText, parseYamlSource, resolvePath } from './source.js';

describe('formatKey', () => {
  it('writes keys the way they look in YAML', () => {
    assert.equal(formatKey(['detectors', 'server-error', 'severity']), 'detectors.server-error.severity');
    assert.equal(formatKey(['suppressions', 2, 'reason']), 'suppressions[2].reason');
    assert.equal(formatKey(['zones', 'eu.west']), 'zones["eu.west"]');
    assert.equal(formatKey([]), '(top level)');
  });
});

describe('parseYamlSource', () => {
  const text = ['openstack:', '  cloud: prod', 'suppressions:', '  - detector: a', '    reason: r', '  - detector: b', ''].join('\n');
  const source = parseYamlSource(text, 'f.yaml');

  it('finds the line of a key, of a list item, and of the nearest parent of a missing key', () => {
    assert.equal(source.lineOf(['openstack', 'cloud']), 2);
    assert.equal(source.lineOf(['suppressions', 1]), 6);
    assert.equal(source.lineOf(['suppressions', 1, 'detector']), 6);
    assert.equal(source.lineOf(['suppressions', 1, 'reason']), 6);
    assert.equal(source.lineOf(['nothing', 'here']), 1);
  });

  it('keeps YAML 1.2 meanings by default and YAML 1.1 on request', () => {
    assert.deepEqual(parseYamlSource('a: no\n', 'f').data, { a: 'no' });
    assert.deepEqual(parseYamlSource('a: no\n', 'f', { yamlVersion: '1.1' }).data, { a: false });
  });

  it('rejects duplicate keys with the line and column', () => {
    assert.throws(() => parseYamlSource('a: 1\na: 2\n', 'f.yaml'), (err: unknown) => err instanceof ConfigError && err.file === 'f.yaml' && /line 2, column 1/.test(err.message));
  });
});

describe('parseConfigText', () => {
  it('reads .json files as JSON and names the file on a syntax error', () => {
    assert.deepEqual(parseConfigText('{"a": 1}', 'c.json').data, { a: 1 });
    assert.throws(() => parseConfigText('{"a": }', 'c.json'), (err: unknown) => err instanceof ConfigError && err.file === 'c.json' && /JSON syntax error/.test(err.message));
  });
});

describe('resolvePath', () => {
  it('expands ~ and resolves relative paths against the base', () => {
    assert.equal(resolvePath('~', '/b', '/h'), '/h');
    assert.equal(resolvePath('~/x', '/b', '/h'), '/h/x');
    assert.equal(resolvePath('x/y', '/b', '/h'), '/b/x/y');
    assert.equal(resolvePath('/abs', '/b', '/h'), '/abs');
  });
});
