// The operations module's response shapes, defined once (serializers and OpenAPI).
import { compileSerializer } from '../kernel/serializer.js';

export const HEALTH_SCHEMA = {
  type: 'object',
  properties: { status: { type: 'string', const: 'ok' } },
  required: ['status'],
} as const;

export const READINESS_SCHEMA = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    reasons: { type: 'array', items: { type: 'string' }, description: 'Why not ready: draining, database unreachable, a migration or function not applied.' },
  },
  required: ['status', 'reasons'],
} as const;

export const serializeHealth = compileSerializer<{ status: 'ok' }>(HEALTH_SCHEMA);
export const serializeReadiness = compileSerializer<{ status: 'ready' | 'not_ready'; reasons: string[] }>(READINESS_SCHEMA);
