// The parts every service contributes to a data-subject export or erasure (audit.md, "sagas").
// They are platform-internal: audit collects them; customers only see audit's completion events.
// Audit's own part is done inside audit and has no event (its completion events are the sagas' end).
import { Type } from '@sinclair/typebox';
import { Uuid } from '../schema/common.ts';
import { defineEvent } from './define.ts';
import { ex } from './example-values.ts';

export type PartService = 'identity' | 'authz' | 'notifications' | 'webhooks';

export function compliancePartEvents<const S extends PartService>(service: S) {
  return [
    defineEvent(`${service}.compliance.export_ready`, {
      summary: `${service}'s part of a data export is stored and ready for audit to assemble.`,
      subject: 'compliance/{request_id}',
      internal: true,
      data: Type.Object({
        request_id: Uuid({ description: 'The compliance request (from audit.compliance.export_requested)' }),
        user_id: Uuid(),
        location: Type.String({
          pattern: '^[a-z][a-z0-9+.-]*://[^?#\\s]+$',
          maxLength: 1024,
          description:
            'Where the part is stored (e.g. s3://bucket/key); a plain location, never a pre-signed URL',
        }),
        records: Type.Integer({ minimum: 0, description: 'How many records the part holds' }),
        bytes: Type.Optional(Type.Integer({ minimum: 0 })),
        sha256: Type.Optional(
          Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Hex SHA-256 of the part' }),
        ),
      }),
      examples: [
        {
          request_id: ex.requestId,
          user_id: ex.userId,
          location: `s3://authplatform-compliance/exports/${ex.requestId}/${service}.json`,
          records: 12,
          bytes: 4096,
          sha256: '4f2a9c1e7b3d5f8a0c2e4b6d8f1a3c5e7b9d0f2a4c6e8b1d3f5a7c9e0b2d4f6a',
        },
      ],
    }),
    defineEvent(`${service}.compliance.erasure_completed`, {
      summary: `${service} erased or pseudonymised what it held about the subject.`,
      subject: 'compliance/{request_id}',
      internal: true,
      data: Type.Object({
        request_id: Uuid({ description: 'The compliance request (from audit.compliance.erasure_requested)' }),
        user_id: Uuid(),
        counts: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), Type.Integer({ minimum: 0 }), {
          description: 'Records erased or pseudonymised, per kind (e.g. {"sessions": 3})',
        }),
      }),
      examples: [{ request_id: ex.requestId, user_id: ex.userId, counts: { records: 7 } }],
    }),
  ] as const;
}
