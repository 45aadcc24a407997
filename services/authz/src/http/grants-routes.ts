/** `/v1/grants`: one permission on one resource for a subject (`grants:write`; reading: `roles:read`). */
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { AuthzModule } from '../app/authz-module.ts';
import { canonicalSubject } from '../domain/permissions.ts';
import type { GrantRow } from '../store/model/authz-store.ts';
import {
  actorOf,
  Condition,
  decodeCursor,
  GRANTS_WRITE,
  Page,
  PageQuery,
  Permission,
  pageOf,
  Resource,
  Revision,
  RevisionBody,
  ROLES_READ,
  Subject,
  Time,
} from './schemas.ts';

const GrantView = Type.Object(
  {
    id: Type.String(),
    subject: Type.String(),
    permission: Type.String(),
    resource: Type.String(),
    condition: Type.Union([Type.String(), Type.Null()]),
    created_at: Time(),
  },
  { additionalProperties: false },
);
const WrittenGrant = Type.Object(
  { ...GrantView.properties, revision: Revision() },
  { additionalProperties: false },
);

const view = (g: GrantRow) => ({
  id: g.id,
  subject: g.subject,
  permission: g.permission,
  resource: g.resource,
  condition: g.condition,
  created_at: g.createdAt.toISOString(),
});

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export function grantsRoutes(authz: AuthzModule): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/grants',
      operationId: 'createGrant',
      summary: 'Grant a permission on a resource',
      description:
        'Applies to the resource and its descendants. The same grant again answers the existing one (200); the same ' +
        '(subject, permission, resource) with another condition is 409 `grant_exists`. Publishes `authz.grant.created`.',
      tags: ['grants'],
      permission: GRANTS_WRITE,
      request: {
        body: Type.Object(
          {
            subject: Subject(),
            permission: Permission(),
            resource: Resource(),
            condition: Type.Optional(Condition()),
          },
          { additionalProperties: false },
        ),
      },
      responses: {
        200: { description: 'Already granted', schema: WrittenGrant },
        201: { description: 'Granted', schema: WrittenGrant },
        409: { description: 'Granted with another condition' },
      },
      handler: async ({ body, claims, reply }) => {
        const { result, revision } = await authz.grants.create(
          {
            subject: canonicalSubject(body.subject),
            permission: body.permission,
            resource: body.resource,
            condition: body.condition ?? null,
          },
          actorOf(claims),
        );
        const out = { ...view(result.grant), revision: String(revision) };
        return result.created
          ? reply(201, out, { location: `/v1/grants/${result.grant.id}` })
          : reply(200, out);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/grants',
      operationId: 'listGrants',
      summary: 'List grants',
      description: 'Filtered by subject and/or resource (exact), ordered by id.',
      tags: ['grants'],
      permission: ROLES_READ,
      request: {
        query: Type.Object({
          subject: Type.Optional(Subject()),
          resource: Type.Optional(Resource()),
          ...PageQuery,
        }),
      },
      responses: { 200: { description: 'A page of grants', schema: Page(GrantView) } },
      handler: async ({ query, reply }) => {
        const limit = query.limit ?? 50;
        const rows = await authz.store.listGrants(
          {
            subject: query.subject === undefined ? undefined : canonicalSubject(query.subject),
            resource: query.resource,
          },
          decodeCursor(query.cursor),
          limit + 1,
        );
        return reply(
          200,
          pageOf(rows, limit, (g) => g.id, view),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/grants/{id}',
      operationId: 'getGrant',
      summary: 'Read a grant',
      tags: ['grants'],
      permission: ROLES_READ,
      request: { params: IdParams },
      responses: {
        200: { description: 'The grant', schema: GrantView },
        404: { description: 'No such grant' },
      },
      handler: async ({ params, reply }) => {
        const grant = await authz.store.getGrant(params.id);
        if (grant === undefined) throw problems.notFound(`Grant ${params.id} does not exist.`);
        return reply(200, view(grant));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/grants/{id}',
      operationId: 'deleteGrant',
      summary: 'Remove a grant',
      description: 'Publishes `authz.grant.deleted`.',
      tags: ['grants'],
      permission: GRANTS_WRITE,
      request: { params: IdParams },
      responses: {
        200: { description: 'Removed', schema: RevisionBody },
        404: { description: 'No such grant' },
      },
      handler: async ({ params, claims, reply }) => {
        const { revision } = await authz.grants.delete(params.id, actorOf(claims));
        return reply(200, { revision: String(revision) });
      },
    }),
  ];
}
