import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverSchema } from '../../snapshot/schema.js';
import { randomEdits, singleEdits } from '../validator-agreement.js';
import { fakeServer } from './fake-cloud.js';
import { normaliseServer } from './normalise.js';
import { isRawServer, rawServerSchema } from './nova-schemas.js';

/** Servers as Nova sends them across the microversions faultline meets. */
const SAMPLES: Record<string, unknown>[] = [
  fakeServer(1),
  {
    ...fakeServer(2),
    status: 'ERROR',
    'OS-EXT-STS:task_state': 'powering-on',
    'OS-EXT-STS:power_state': null,
    addresses: { net1: [{ addr: '10.0.0.7', version: 4, 'OS-EXT-IPS:type': 'floating' }], v6: [{ addr: 'fd00::7', version: 6 }], empty: [] },
    image: '',
    'os-extended-volumes:volumes_attached': [{ id: 'vol-1', delete_on_termination: false }],
    metadata: { role: 'db', owner: 'team-a' },
    locked: null,
    'OS-SRV-USG:launched_at': null,
    fault: { code: 500, message: 'No valid host was found.', created: '2025-03-01T10:59:00Z', details: null },
  },
  // Before 2.47 the flavor is a reference; ids were numbers before 2.53.
  { ...fakeServer(3), flavor: { id: 42, links: [] }, image: null, host_status: '' },
  { ...fakeServer(4), flavor: { id: '42' }, image: { id: 'img-1', name: 'debian' }, fault: { message: 'x' } },
  // A server in a down cell (2.69+).
  { id: 'srv-down', status: 'UNKNOWN', tenant_id: 'p', created: '2025-01-01T00:00:00Z', links: [] },
];

const zodAccepts = (v: unknown): boolean => rawServerSchema.safeParse(v).success;

/**
 * The one place the twin is stricter on purpose: a record (addresses, metadata)
 * with an own "__proto__" key, which zod drops and reading the object as it is
 * would not; the twin sends it to zod.
 */
const protoInRecord = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && ['addresses', 'metadata'].some((k) => {
    const record = (v as Record<string, unknown>)[k];
    return typeof record === 'object' && record !== null && Object.hasOwn(record, '__proto__');
  });
const expectedVerdict = (v: unknown): boolean => zodAccepts(v) && !protoInRecord(v);

describe('isRawServer, the fast twin of rawServerSchema', () => {
  it('accepts every valid sample, as the schema does', () => {
    for (const sample of SAMPLES) {
      assert.equal(zodAccepts(sample), true, `schema accepts ${JSON.stringify(sample)}`);
      assert.equal(isRawServer(sample), true, `fast check accepts ${JSON.stringify(sample)}`);
    }
  });

  it('gives the schema\'s verdict on every variant one edit away from a valid server', () => {
    let rejected = 0;
    for (const sample of SAMPLES) {
      for (const { label, value } of singleEdits(sample)) {
        const expected = expectedVerdict(value);
        assert.equal(isRawServer(value), expected, `${label}: schema says ${expected}`);
        if (!expected) rejected++;
      }
    }
    assert.ok(rejected > 300, `enough invalid variants were tried (${rejected})`);
  });

  it('gives the schema\'s verdict on random combinations of edits', () => {
    for (const [i, sample] of SAMPLES.entries()) {
      for (const { label, value } of randomEdits(sample, 400, i + 7)) assert.equal(isRawServer(value), expectedVerdict(value), label);
    }
  });

  it('leaves a record with an own __proto__ key to the schema', () => {
    const raw = { ...fakeServer(1), metadata: JSON.parse('{"__proto__": "x", "role": "db"}') as unknown };
    assert.equal(zodAccepts(raw), true);
    assert.equal(isRawServer(raw), false);
  });

  it('leads to the same server whether the item is read as it is or as the schema returns it', () => {
    const variants = SAMPLES.flatMap((s) => [s, ...singleEdits(s).map((e) => e.value)]).filter(isRawServer);
    assert.ok(variants.length > 100);
    for (const raw of variants) assert.deepStrictEqual(normaliseServer(raw, 'r1'), normaliseServer(rawServerSchema.parse(raw), 'r1'));
  });

  it('normalises into exactly what the snapshot schema returns, key order included', () => {
    const variants = SAMPLES.flatMap((s) => [s, ...singleEdits(s).map((e) => e.value)]).filter(isRawServer);
    for (const raw of variants) {
      for (const region of ['r1', undefined]) {
        const server = normaliseServer(raw, region);
        const parsed = serverSchema.parse(server);
        assert.deepStrictEqual(parsed, server);
        assert.equal(JSON.stringify(server), JSON.stringify(parsed));
      }
    }
  });
});
