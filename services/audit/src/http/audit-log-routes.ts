/**
 * The audit log over HTTP (spec audit.md, "Endpoints"): records newest first with filters, one record,
 * and verification of the hash chain. All need `audit:read` in the caller's access token. Reading a
 * record opens its personal data with the user's data key; after an erasure it shows `erased: true`.
 */
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import { verifyLog } from '../app/log/verify-log.ts';
import type { AuditLogReader, AuditRecordView } from '../store/log/audit-log-store.ts';

export const AUDIT_READ = 'audit:read';

const Uuid = Type.String({ format: 'uuid' });
const Seq = Type.String({ pattern: '^[1-9][0-9]{0,18}$' });
const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const DateTime = Type.String({ format: 'date-time' });

const RecordSchema = Type.Object(
  {
    id: Uuid,
    seq: Type.String({ description: 'Position in the hash chain (decimal)' }),
    event_id: Uuid,
    type: Type.String(),
    occurred_at: DateTime,
    recorded_at: DateTime,
    source: Type.String({ description: 'The producing service' }),
    actor: Type.Object(
      {
        type: Type.Union([
          Type.Literal('user'),
          Type.Literal('client'),
          Type.Literal('admin'),
          Type.Literal('system'),
          Type.Literal('anonymous'),
        ]),
        id: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    subject: Type.Union([Type.String(), Type.Null()]),
    user_id: Type.Union([Uuid, Type.Null()]),
    outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
    ip: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    data: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: 'The event data; null once the user it is about has been erased (crypto-shredding)',
    }),
    erased: Type.Boolean(),
    unreadable: Type.Boolean({
      description: 'The sealed personal data could not be opened (wrong key-encryption key or a damaged row)',
    }),
    hash: Hex64,
    prev_hash: Hex64,
  },
  { additionalProperties: false },
);

const ListSchema = Type.Object(
  {
    items: Type.Array(RecordSchema),
    next_cursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next (older) page' })),
  },
  { additionalProperties: false },
);

const BreakSchema = Type.Object(
  {
    seq: Type.String(),
    reason: Type.Union([
      Type.Literal('prev_hash_mismatch'),
      Type.Literal('hash_mismatch'),
      Type.Literal('sequence_gap'),
      Type.Literal('head_mismatch'),
    ]),
    expected: Type.String(),
    found: Type.String(),
  },
  { additionalProperties: false },
);

const VerifySchema = Type.Object(
  {
    ok: Type.Boolean(),
    checked: Type.Integer({ minimum: 0, description: 'Records recomputed before the answer' }),
    first_seq: Type.Union([Type.String(), Type.Null()]),
    last_seq: Type.Union([Type.String(), Type.Null()]),
    first_break: Type.Union([BreakSchema, Type.Null()]),
  },
  { additionalProperties: false },
);

const view = (record: AuditRecordView) => record;

export function auditLogRoutes(deps: { reader: AuditLogReader }): Route[] {
  const { reader } = deps;

  const list = defineRoute({
    method: 'get',
    path: '/v1/audit/events',
    operationId: 'listAuditEvents',
    summary: 'Search the audit log (newest first)',
    description:
      '`actor` is the actor id (user, client or admin), `subject` the CloudEvents subject (e.g. `user/<id>`), ' +
      '`user` the user a record is about; `from`/`to` bound the time the event occurred (`to` exclusive).',
    tags: ['audit'],
    permission: AUDIT_READ,
    request: {
      query: Type.Object({
        actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        user: Type.Optional(Uuid),
        subject: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
        type: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+$', maxLength: 120 })),
        from: Type.Optional(DateTime),
        to: Type.Optional(DateTime),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        cursor: Type.Optional(Seq),
      }),
    },
    responses: { 200: { description: 'A page of records', schema: ListSchema } },
    handler: async ({ query, reply }) => {
      const limit = query.limit ?? 50;
      const from = query.from === undefined ? undefined : new Date(query.from);
      const to = query.to === undefined ? undefined : new Date(query.to);
      if (from !== undefined && to !== undefined && from > to) {
        throw problems.badRequest('invalid_range', '`from` must not be after `to`.');
      }
      const page = await reader.list({
        actor: query.actor,
        user: query.user,
        subject: query.subject,
        type: query.type,
        from,
        to,
        before: query.cursor,
        limit: limit + 1,
      });
      const items = page.slice(0, limit).map(view);
      const last = items.at(-1);
      return reply(200, {
        items,
        ...(page.length > limit && last !== undefined ? { next_cursor: last.seq } : {}),
      });
    },
  });

  const get = defineRoute({
    method: 'get',
    path: '/v1/audit/events/{id}',
    operationId: 'getAuditEvent',
    summary: 'Read one audit record',
    tags: ['audit'],
    permission: AUDIT_READ,
    request: { params: Type.Object({ id: Uuid }) },
    responses: {
      200: { description: 'The record', schema: RecordSchema },
      404: { description: 'No such record' },
    },
    handler: async ({ params, reply }) => {
      const record = await reader.get(params.id);
      if (record === undefined) throw problems.notFound(`No audit record ${params.id}.`);
      return reply(200, view(record));
    },
  });

  const verify = defineRoute({
    method: 'get',
    path: '/v1/audit/verify',
    operationId: 'verifyAuditLog',
    summary: 'Recompute the hash chain and report the first break',
    description:
      'Checks every record recorded in [from, to) (all when absent): each links to the previous hash and ' +
      'its hash is SHA-256(prev_hash ‖ RFC 8785 canonical JSON of the record as stored). Without `to`, ' +
      'the chain head must be the last record.',
    tags: ['audit'],
    permission: AUDIT_READ,
    request: { query: Type.Object({ from: Type.Optional(DateTime), to: Type.Optional(DateTime) }) },
    responses: { 200: { description: 'The verification result', schema: VerifySchema } },
    handler: async ({ query, reply }) => {
      const from = query.from === undefined ? undefined : new Date(query.from);
      const to = query.to === undefined ? undefined : new Date(query.to);
      if (from !== undefined && to !== undefined && from > to) {
        throw problems.badRequest('invalid_range', '`from` must not be after `to`.');
      }
      return reply(200, await verifyLog(reader, { from, to }));
    },
  });

  return [list, get, verify];
}
