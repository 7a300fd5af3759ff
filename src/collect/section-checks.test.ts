import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { serverSchema, type Server } from '../snapshot/schema.js';
import { isCompleteServer } from './section-checks.js';
import { randomEdits, singleEdits } from './validator-agreement.js';

const SAMPLES: Server[] = [
  {
    id: 'srv-1',
    name: 'db-1',
    region: 'pg1',
    projectId: 'p1',
    projectName: 'payments',
    userId: 'u1',
    status: 'ERROR',
    vmState: 'error',
    taskState: null,
    powerState: 4,
    host: 'com1',
    hypervisorHostname: 'com1.example',
    instanceName: 'instance-00000001',
    hostStatus: 'UP',
    addresses: [
      { network: 'net1', addr: '10.0.0.1', version: 4, type: 'fixed' },
      { network: 'v6', addr: 'fd00::1', version: 6, type: 'floating' },
      { network: 'bare', addr: '10.0.0.2' },
    ],
    flavor: { name: 'db.large', vcpus: 8, ramMiB: 32768, diskGiB: 200 },
    image: { id: 'img-1', name: 'debian' },
    volumes: ['vol-1', 'vol-2'],
    metadata: { role: 'db' },
    locked: true,
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-02T00:00:00Z',
    launchedAt: null,
    fault: { code: 500, message: 'No valid host was found.', created: '2025-01-02T00:00:00Z', details: 'Traceback' },
  },
  { id: 'srv-2', name: '', status: 'UNKNOWN', addresses: [], volumes: [], metadata: {} },
  { id: 'srv-3', name: 'x', status: 'ACTIVE', vmState: null, powerState: null, host: null, addresses: [], flavor: { name: '42' }, image: {}, volumes: [], metadata: {}, launchedAt: '2025-01-01T00:00:00Z', fault: { message: '' } },
];

/** What the twin must say: the schema accepts the value and gives it back unchanged. */
function schemaKeeps(v: unknown): boolean {
  const parsed = serverSchema.safeParse(v);
  return parsed.success && isDeepStrictEqual(parsed.data, v);
}

describe('isCompleteServer, the fast twin of the snapshot server schema', () => {
  it('accepts complete servers and refuses ones the schema would change (defaults, unknown keys)', () => {
    for (const s of SAMPLES) assert.equal(isCompleteServer(s), true, JSON.stringify(s));
    const { addresses: _a, ...noAddresses } = SAMPLES[1] as Server;
    assert.equal(serverSchema.safeParse(noAddresses).success, true);
    assert.equal(isCompleteServer(noAddresses), false, 'the schema would add addresses: []');
    assert.equal(isCompleteServer({ ...SAMPLES[1], extra: 1 }), false, 'the schema would drop the unknown key');
  });

  it('agrees with the schema on every variant one edit away', () => {
    let refused = 0;
    for (const sample of SAMPLES) {
      for (const { label, value } of singleEdits(sample)) {
        const expected = schemaKeeps(value);
        assert.equal(isCompleteServer(value), expected, `${label}: schema keeps it: ${expected}`);
        if (!expected) refused++;
      }
    }
    assert.ok(refused > 300, `enough invalid variants were tried (${refused})`);
  });

  it('agrees with the schema on random combinations of edits', () => {
    for (const [i, sample] of SAMPLES.entries()) {
      for (const { label, value } of randomEdits(sample, 400, i + 11)) assert.equal(isCompleteServer(value), schemaKeeps(value), label);
    }
  });
});
