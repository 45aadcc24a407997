/** `/v1/resources/{resource}/parent`: the resource hierarchy (`grants:write`; reading: `roles:read`). */
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { AuthzModule } from '../app/authz-module.ts';
import { GRANTS_WRITE, Resource, Revision, ROLES_READ } from './schemas.ts';

const Params = Type.Object({ resource: Resource() });
const ParentView = Type.Object(
  { resource: Type.String(), parent: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);

export function resourcesRoutes(authz: AuthzModule): Route[] {
  return [
    defineRoute({
      method: 'put',
      path: '/v1/resources/{resource}/parent',
      operationId: 'setResourceParent',
      summary: "Set or clear a resource's parent",
      description:
        'Roles and grants on the parent (and its ancestors) apply to the resource. `{"parent": null}` clears it. ' +
        'A parent that would make the resource its own ancestor is refused (409 `parent_cycle`). No event is published ' +
        '(the catalogue has no type for it).',
      tags: ['resources'],
      permission: GRANTS_WRITE,
      request: {
        params: Params,
        body: Type.Object({ parent: Type.Union([Resource(), Type.Null()]) }, { additionalProperties: false }),
      },
      responses: {
        200: {
          description: 'The parent as it is now',
          schema: Type.Object(
            { ...ParentView.properties, revision: Revision() },
            { additionalProperties: false },
          ),
        },
        409: { description: 'Would create a cycle or a too deep hierarchy' },
      },
      handler: async ({ params, body, reply }) => {
        const { result, revision } = await authz.resources.setParent(params.resource, body.parent);
        return reply(200, { resource: params.resource, parent: result.parent, revision: String(revision) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/resources/{resource}/parent',
      operationId: 'getResourceParent',
      summary: "Read a resource's parent",
      tags: ['resources'],
      permission: ROLES_READ,
      request: { params: Params },
      responses: {
        200: { description: 'The parent', schema: ParentView },
        404: { description: 'No parent set' },
      },
      handler: async ({ params, reply }) => {
        const row = await authz.store.getParent(params.resource);
        if (row === undefined) throw problems.notFound(`Resource ${params.resource} has no parent.`);
        return reply(200, { resource: row.resource, parent: row.parent });
      },
    }),
  ];
}
