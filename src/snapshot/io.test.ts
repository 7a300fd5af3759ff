import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { fleet } from './builders.js';
import { parseSnapshot, saveSnapshot, serializeSnapshot, snapshotJsonChunks, writeGzipMembers } from './io.js';

/** Long enough that the servers go out in several pieces; some fields nested three levels down. */
function bigSnapshot() {
  const b = fleet().region('pg1', 'prod').hypervisor('com1.example', { host: 'com1', region: 'pg1' });
  for (let i = 0; i < 1234; i++) b.server(`vm-${i}`, { on: 'com1', ip: `10.0.${i >> 8}.${i & 255}` });
  const built = b.build();
  // A description with characters JSON escapes, and a newline inside a string.
  return parseSnapshot({ ...built, description: 'line 1\nline "2" \u2028 é', kubernetes: { clusters: [] } });
}

describe('snapshot text in pieces', () => {
  it('joins into exactly JSON.stringify\'s text, compact and indented', () => {
    const s = bigSnapshot();
    assert.ok(s.servers.length > 1000);
    for (const space of [0, 2] as const) {
      const pieces = [...snapshotJsonChunks(s, space)];
      assert.ok(pieces.length > 5, 'the server list is cut into pieces');
      assert.equal(pieces.join(''), `${JSON.stringify(s, null, space)}\n`);
    }
  });

  it('writes the same bytes as serializeSnapshot, plain and gzip, and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fl-io-'));
    const s = bigSnapshot();
    await saveSnapshot(s, join(dir, 's.json'));
    await saveSnapshot(s, join(dir, 's.json.gz'));
    assert.deepEqual(await readFile(join(dir, 's.json')), serializeSnapshot(s));
    assert.deepEqual(gunzipSync(await readFile(join(dir, 's.json.gz'))), gunzipSync(serializeSnapshot(s, true)));
    assert.deepEqual((await readdir(dir)).sort(), ['s.json', 's.json.gz']);
  });

  it('writes gzip as several members that read back as the one text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fl-io-'));
    const s = bigSnapshot();
    const text = `${JSON.stringify(s)}\n`;
    await writeGzipMembers(snapshotJsonChunks(s, 0), join(dir, 'm.json.gz'), 64 * 1024);
    const file = await readFile(join(dir, 'm.json.gz'));
    // Each member starts with the gzip magic and deflate method (1f 8b 08).
    let members = 0;
    for (let at = file.indexOf('1f8b08', 0, 'hex'); at !== -1; at = file.indexOf('1f8b08', at + 1, 'hex')) members++;
    // Members end between pieces: here after each piece of 500 servers.
    assert.ok(members >= 3, `${members} members for ${text.length} characters`);
    assert.equal(gunzipSync(file).toString('utf8'), text);
  });

  it('removes the temp file when writing fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fl-io-'));
    await assert.rejects(saveSnapshot(bigSnapshot(), join(dir, 'missing-dir', 's.json.gz')));
    assert.deepEqual(await readdir(dir), []);
  });
});
