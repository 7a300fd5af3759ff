import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { buildServer } from './app.js';
import { ServerMetrics } from './metrics.js';
import { noDatabase } from './testing.js';

interface OpenApi {
  readonly paths: Record<string, Record<string, { responses?: Record<string, unknown>; security?: unknown[] }>>;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

describe('docs/openapi.yaml', () => {
  const doc = parse(readFileSync(resolve('docs/openapi.yaml'), 'utf8')) as OpenApi;
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => METHODS.has(m)).map((m) => `${m.toUpperCase()} ${path}`)).sort();
  const { routes } = buildServer({ engine: noDatabase, tokens: [], latest: () => undefined, metrics: new ServerMetrics(noDatabase) });
  // Fastify writes path parameters as :id, OpenAPI as {id}.
  const served = routes.map((r) => `${r.method.toUpperCase()} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`).sort();

  it('describes every route the server answers, and no route it does not', () => {
    assert.ok(served.length > 10, 'the app registered its routes');
    assert.deepEqual(served.filter((r) => !documented.includes(r)), [], 'served but not documented');
    assert.deepEqual(documented.filter((r) => !served.includes(r)), [], 'documented but not served');
  });

  it('documents the 401 of every operation that needs a token, and only /healthz and the dashboard page need none', () => {
    const open = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([m, op]) => METHODS.has(m) && Array.isArray(op.security) && op.security.length === 0).map(([m]) => `${m} ${path}`));
    assert.deepEqual(open.sort(), ['get /', 'get /healthz']);
    const missing = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([m, op]) => METHODS.has(m) && op.security === undefined && !op.responses?.['401']).map(([m]) => `${m} ${path}`));
    assert.deepEqual(missing, []);
  });
});
