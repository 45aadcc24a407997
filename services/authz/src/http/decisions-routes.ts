/**
 * Decisions: check, batch check and lookup of resources (`authz:check`: what the gateway holds), and the two
 * that reveal the access model — who holds a permission (`lookup/subjects`, e.g. every platform admin) and
 * the derivation of a decision (`explain`: roles, conditions, groups) — which need `roles:read`, as listing
 * roles, assignments and grants does. All answered from the in-memory index.
 */
import { defineRoute, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { AuthzModule } from '../app/authz-module.ts';
import type { Caller } from '../app/decide.ts';
import { canonicalSubject } from '../domain/permissions.ts';
import { ExplanationSchema } from './explain-schema.ts';
import {
  AUTHZ_CHECK,
  assertContextBudget,
  Consistency,
  Context,
  Page,
  PageQuery,
  Permission,
  pageOfSorted,
  Resource,
  ResourceType,
  Revision,
  ROLES_READ,
  Subject,
} from './schemas.ts';

const CheckFields = {
  subject: Subject(),
  permission: Permission(),
  resource: Type.Optional(Resource('The resource; absent: a global check (only global assignments count)')),
  context: Type.Optional(Context),
};
const CheckBody = Type.Object(
  { ...CheckFields, consistency: Type.Optional(Consistency) },
  { additionalProperties: false },
);
const Answer = Type.Object(
  {
    allowed: Type.Boolean(),
    revision: Revision(),
    reason: Type.Union([Type.String(), Type.Null()], {
      description: 'The role or grant that allowed it; null when denied',
    }),
    decision_id: Type.String({ description: 'UUIDv7 of this decision, also in the logs' }),
  },
  { additionalProperties: false },
);
/**
 * The caller of a decision, for sampled denials: the client of a client-credentials token, else the
 * token's user (asking is not an admin action). Never the token itself.
 */
const callerOf = (claims: { sub: string; client_id?: unknown }): Caller =>
  typeof claims.client_id === 'string' && claims.client_id === claims.sub
    ? { type: 'client', id: claims.client_id.slice(0, 200) }
    : { type: 'user', id: claims.sub.slice(0, 200) };

/** The check with its subject in the model's spelling (`canonicalSubject`). */
const canonicalCheck = <T extends { subject: string }>(check: T): T => ({
  ...check,
  subject: canonicalSubject(check.subject),
});

const unavailable = {
  description: 'The requested revision is not applied here yet (`revision_not_available`); retry',
};

export function decisionsRoutes(authz: AuthzModule): Route[] {
  const { decisions } = authz;
  return [
    defineRoute({
      method: 'post',
      path: '/v1/check',
      operationId: 'check',
      summary: 'May this subject do this on this resource?',
      tags: ['decisions'],
      permission: AUTHZ_CHECK,
      // A decision is a read: nothing to replay, and no idempotency row written per check.
      idempotency: false,
      request: { body: CheckBody },
      responses: { 200: { description: 'The decision', schema: Answer }, 503: unavailable },
      handler: async ({ body, claims, reply }) => {
        assertContextBudget([{ pointer: '/body/context', context: body.context }]);
        return reply(200, await decisions.check(canonicalCheck(body), body.consistency, callerOf(claims)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/check/batch',
      operationId: 'checkBatch',
      summary: 'Up to 100 checks in one round trip',
      description: 'All checks are answered at the same revision, in the order given.',
      tags: ['decisions'],
      permission: AUTHZ_CHECK,
      // A decision is a read: nothing to replay, and no idempotency row written per check.
      idempotency: false,
      request: {
        body: Type.Object(
          {
            checks: Type.Array(Type.Object(CheckFields, { additionalProperties: false }), {
              minItems: 1,
              maxItems: 100,
            }),
            consistency: Type.Optional(Consistency),
          },
          { additionalProperties: false },
        ),
      },
      responses: {
        200: {
          description: 'The decisions, in order',
          schema: Type.Object(
            { results: Type.Array(Answer), revision: Revision() },
            { additionalProperties: false },
          ),
        },
        503: unavailable,
      },
      handler: async ({ body, claims, reply }) => {
        assertContextBudget(
          body.checks.map((c, i) => ({ pointer: `/body/checks/${i}/context`, context: c.context })),
        );
        return reply(
          200,
          await decisions.checkBatch(body.checks.map(canonicalCheck), body.consistency, callerOf(claims)),
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/lookup/resources',
      operationId: 'lookupResources',
      summary: 'Which resources of a type may a subject act on?',
      description:
        'Among the resources the service knows (assignment scopes, grant resources, both ends of parent links), sorted; ' +
        'a matching global assignment means every known resource of the type. Paginated with `limit`/`cursor` in the body.',
      tags: ['decisions'],
      permission: AUTHZ_CHECK,
      // A decision is a read: nothing to replay, and no idempotency row written per check.
      idempotency: false,
      request: {
        body: Type.Object(
          {
            subject: Subject(),
            permission: Permission(),
            resource_type: ResourceType(),
            context: Type.Optional(Context),
            consistency: Type.Optional(Consistency),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
      },
      responses: {
        200: {
          description: 'A page of resources',
          schema: Type.Object(
            { ...Page(Type.String()).properties, revision: Revision() },
            { additionalProperties: false },
          ),
        },
        503: unavailable,
      },
      handler: async ({ body, reply }) => {
        assertContextBudget([{ pointer: '/body/context', context: body.context }]);
        const { resources, revision } = await decisions.lookupResources(
          {
            subject: canonicalSubject(body.subject),
            permission: body.permission,
            resourceType: body.resource_type,
            context: body.context,
          },
          body.consistency,
        );
        return reply(200, { ...pageOfSorted(resources, body.cursor, body.limit ?? 50), revision });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/lookup/subjects',
      operationId: 'lookupSubjects',
      summary: 'Who may act on a resource?',
      description:
        'Users and clients, with groups expanded to their members; `include_groups` also lists the groups. Sorted, paginated.',
      tags: ['decisions'],
      permission: ROLES_READ,
      // A decision is a read: nothing to replay, and no idempotency row written per check.
      idempotency: false,
      request: {
        body: Type.Object(
          {
            permission: Permission(),
            resource: Type.Optional(Resource('Absent: who holds the permission globally')),
            include_groups: Type.Optional(Type.Boolean({ default: false })),
            context: Type.Optional(Context),
            consistency: Type.Optional(Consistency),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
      },
      responses: {
        200: {
          description: 'A page of subjects',
          schema: Type.Object(
            { ...Page(Type.String()).properties, revision: Revision() },
            { additionalProperties: false },
          ),
        },
        503: unavailable,
      },
      handler: async ({ body, reply }) => {
        assertContextBudget([{ pointer: '/body/context', context: body.context }]);
        const { subjects, revision } = await decisions.lookupSubjects(
          {
            permission: body.permission,
            resource: body.resource,
            context: body.context,
            includeGroups: body.include_groups ?? false,
          },
          body.consistency,
        );
        return reply(200, { ...pageOfSorted(subjects, body.cursor, body.limit ?? 50), revision });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/explain',
      operationId: 'explain',
      summary: 'The full derivation of one decision, for people debugging access',
      description:
        'The decision plus `explanation`: the resource chain, the subject and its groups, and every assignment and grant ' +
        'considered with its outcome (condition results included; context values are not echoed).',
      tags: ['decisions'],
      permission: ROLES_READ,
      // A decision is a read: nothing to replay, and no idempotency row written per check.
      idempotency: false,
      request: { body: CheckBody },
      responses: {
        200: {
          description: 'The decision and its derivation',
          schema: Type.Object(
            { ...Answer.properties, explanation: ExplanationSchema },
            { additionalProperties: false },
          ),
        },
        503: unavailable,
      },
      handler: async ({ body, claims, reply }) => {
        assertContextBudget([{ pointer: '/body/context', context: body.context }]);
        const answer = await decisions.explain(canonicalCheck(body), body.consistency, callerOf(claims));
        return reply(200, answer);
      },
    }),
  ];
}
