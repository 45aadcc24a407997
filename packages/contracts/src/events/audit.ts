// audit-events: security detections, data-subject workflows and log checkpoints.
import { Type } from '@sinclair/typebox';
import { Actor, AuthzSubject, DateTime, IpAddress, StringEnum, Uuid } from '../schema/common.ts';
import { defineEvent } from './define.ts';
import { ex } from './example-values.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** Rules audit ships with (audit.md, "Security detections"); new rules may be added without a new version. */
export const DETECTION_RULES = [
  'brute_force',
  'password_spraying',
  'credential_stuffing',
  'refresh_token_reuse',
  'mfa_fatigue',
  'new_device_after_reset',
  'admin_off_hours',
  'bulk_data_access',
  'compliance_deadline_missed',
] as const;

const Request = Type.Object({
  request_id: Uuid(),
  user_id: Uuid({ description: 'The data subject' }),
  deadline: DateTime({ description: 'When every part must have reported' }),
  actor: Type.Optional(Actor()),
});

const Completion = Type.Object({
  request_id: Uuid(),
  user_id: Uuid({ description: 'The data subject' }),
  parts: Type.Array(Type.String({ pattern: '^[a-z]+$' }), {
    minItems: 1,
    uniqueItems: true,
    description: 'The services whose parts completed',
  }),
});

const everyParticipant = ['identity', 'authz', 'notifications', 'webhooks'] as const;
const allParts = ['identity', 'authz', 'notifications', 'webhooks', 'audit'];

export const auditEvents = [
  defineEvent('audit.security.detected', {
    summary: 'A detection rule fired on the event stream (brute force, token reuse, MFA fatigue, ...).',
    subject: 'detection/{detection_id}',
    consumers: ['identity', 'notifications', 'webhooks'],
    data: Type.Object({
      detection_id: Uuid(),
      rule: Type.String({
        pattern: '^[a-z][a-z0-9_]*$',
        maxLength: 100,
        description: `Detection rule; shipped rules: ${DETECTION_RULES.join(', ')}`,
      }),
      severity: StringEnum(SEVERITIES),
      subject: Type.Optional(AuthzSubject({ description: 'The account it is about, if one' })),
      user_id: Type.Optional(Uuid({ description: 'The user it is about, if one (identity may lock it)' })),
      ip: Type.Optional(IpAddress()),
      evidence_event_ids: Type.Array(Uuid(), {
        minItems: 1,
        description: 'Ids of the events that made it fire',
      }),
    }),
    examples: [
      {
        detection_id: ex.detectionId,
        rule: 'brute_force',
        severity: 'high',
        subject: `user:${ex.userId}`,
        user_id: ex.userId,
        ip: ex.ip,
        evidence_event_ids: [ex.eventId, ex.otherEventId],
      },
    ],
  }),
  defineEvent('audit.compliance.export_requested', {
    summary: 'A data export was requested; every service contributes its part.',
    subject: 'compliance/{request_id}',
    consumers: everyParticipant,
    internal: true,
    data: Request,
    examples: [
      {
        request_id: ex.requestId,
        user_id: ex.userId,
        deadline: '2026-12-28T17:02:11.123Z',
        actor: { type: 'user', id: ex.userId },
      },
    ],
  }),
  defineEvent('audit.compliance.erasure_requested', {
    summary: 'An erasure was requested; every service erases or pseudonymises its data about the subject.',
    subject: 'compliance/{request_id}',
    consumers: everyParticipant,
    internal: true,
    data: Request,
    examples: [
      {
        request_id: ex.requestId,
        user_id: ex.userId,
        deadline: '2026-12-28T17:02:11.123Z',
        actor: { type: 'admin', id: ex.adminId },
      },
    ],
  }),
  defineEvent('audit.compliance.export_completed', {
    summary: 'Every part of a data export arrived; the archive can be downloaded from audit.',
    subject: 'compliance/{request_id}',
    consumers: ['webhooks', 'notifications'],
    data: Completion,
    examples: [{ request_id: ex.requestId, user_id: ex.userId, parts: allParts }],
  }),
  defineEvent('audit.compliance.erasure_completed', {
    summary: "Every part of an erasure reported and the subject's audit key was destroyed.",
    subject: 'compliance/{request_id}',
    consumers: ['webhooks', 'notifications'],
    data: Completion,
    examples: [{ request_id: ex.requestId, user_id: ex.userId, parts: allParts }],
  }),
  defineEvent('audit.checkpoint.sealed', {
    summary: 'A checkpoint of the hash-chained log was sealed and signed (CloudTrail digest design).',
    subject: 'checkpoint/{checkpoint_id}',
    data: Type.Object({
      checkpoint_id: Uuid(),
      last_sequence: Type.String({
        pattern: '^(0|[1-9][0-9]*)$',
        description: 'Sequence number of the last record',
      }),
      last_hash: Type.String({
        pattern: '^[0-9a-f]{64}$',
        description: 'Hex SHA-256 chain hash of that record',
      }),
      kid: Type.String({ minLength: 1, maxLength: 200, description: 'Id of the Ed25519 key that signed it' }),
      signature: Type.String({
        pattern: '^[A-Za-z0-9_-]+$',
        description: 'base64url Ed25519 signature over the canonical checkpoint (public, verifiable)',
      }),
    }),
    examples: [
      {
        checkpoint_id: ex.checkpointId,
        last_sequence: '184467',
        last_hash: 'a3f1c9e7b5d3f1a9c7e5b3d1f9a7c5e3b1d9f7a5c3e1b9d7f5a3c1e9b7d5f3a1',
        kid: 'audit-2026-11',
        signature: 'pX3mV8w2nE5kQ9sT1yU4iO7aS0dF3gH6jK9lZ2xC5vB8nM1qW4eR7tY0uI3oP6aS9dF2gH5jK8lZ1xC4vB7nMA',
      },
    ],
  }),
] as const;
