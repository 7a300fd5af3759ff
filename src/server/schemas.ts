/**
 * The JSON schemas Fastify validates requests against, before a handler runs.
 * docs/openapi.yaml describes the same shapes for callers.
 */

import { GATE_IDS } from '../runbook/define.js';

const limit = (fallback: number) => ({ type: 'integer', minimum: 1, maximum: 5000, default: fallback }) as const;
const name = { type: 'string', minLength: 1, maxLength: 256 } as const;
const openness = { type: 'string', enum: ['open', 'resolved', 'all'], default: 'open' } as const;

export const idParams = { type: 'object', required: ['id'], properties: { id: name }, additionalProperties: false } as const;
export const subjectParams = { type: 'object', required: ['subject'], properties: { subject: name }, additionalProperties: false } as const;
export const targetParams = { type: 'object', required: ['target'], properties: { target: { ...name, pattern: '\\S' } }, additionalProperties: false } as const;

export const limitQuery = { type: 'object', properties: { limit: limit(100) }, additionalProperties: false } as const;

export const incidentQuery = {
  type: 'object',
  properties: { status: openness, region: name, hypervisor: name, cluster: name, limit: limit(200) },
  additionalProperties: false,
} as const;

export const findingQuery = {
  type: 'object',
  properties: {
    status: openness,
    detector: name,
    severity: { type: 'string', enum: ['info', 'low', 'medium', 'high', 'critical'] },
    region: name,
    resource: name,
    limit: limit(500),
  },
  additionalProperties: false,
} as const;

export const planQuery = { type: 'object', required: ['target'], properties: { target: name }, additionalProperties: false } as const;

export const auditQuery = {
  type: 'object',
  properties: { run: name, actor: name, since: { type: 'string', format: 'date-time' }, limit: limit(200) },
  additionalProperties: false,
} as const;

export const alertQuery = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['firing', 'resolved'] }, alertname: name, limit: limit(200) },
  additionalProperties: false,
} as const;

export const approvalBody = {
  type: 'object',
  required: ['gate'],
  properties: { gate: { type: 'string', enum: [...GATE_IDS] }, note: { type: 'string', maxLength: 2000 } },
  additionalProperties: false,
} as const;

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** Alertmanager's webhook_config body, version 4. Fields it may add later are let through. */
export const alertmanagerBody = {
  type: 'object',
  required: ['version', 'groupKey', 'status', 'receiver', 'alerts'],
  properties: {
    version: { type: 'string', const: '4' },
    groupKey: { type: 'string' },
    truncatedAlerts: { type: 'integer', minimum: 0 },
    status: { type: 'string', enum: ['firing', 'resolved'] },
    receiver: { type: 'string' },
    groupLabels: stringMap,
    commonLabels: stringMap,
    commonAnnotations: stringMap,
    externalURL: { type: 'string' },
    alerts: {
      type: 'array',
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['status', 'labels', 'startsAt', 'fingerprint'],
        properties: {
          status: { type: 'string', enum: ['firing', 'resolved'] },
          labels: stringMap,
          annotations: stringMap,
          startsAt: { type: 'string', minLength: 1 },
          endsAt: { type: 'string' },
          generatorURL: { type: 'string' },
          fingerprint: { type: 'string', minLength: 1, maxLength: 256 },
        },
      },
    },
  },
} as const;

export interface AlertmanagerPayload {
  readonly version: '4';
  readonly groupKey: string;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly alerts: readonly {
    readonly status: 'firing' | 'resolved';
    readonly labels: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly startsAt: string;
    readonly endsAt?: string;
    readonly generatorURL?: string;
    readonly fingerprint: string;
  }[];
}
