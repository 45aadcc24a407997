/**
 * The derivation tree of `POST /v1/explain` (the domain's `Explanation`, domain/explain.ts), for the
 * OpenAPI document. Objects stay open (`additionalProperties: true`) so a field the engine adds later
 * is passed through rather than failing the response.
 */
import { Type } from '@sinclair/typebox';

const open = { additionalProperties: true } as const;
const Nullable = (description?: string) =>
  Type.Union([Type.String(), Type.Null()], description === undefined ? {} : { description });

const Condition = Type.Object(
  {
    expression: Type.String(),
    result: Type.Union(
      ['true', 'false', 'error', 'not_boolean', 'not_evaluated'].map((v) => Type.Literal(v)),
    ),
    error: Type.Optional(
      Type.String({ description: 'The evaluation error, or the type of a non-boolean result' }),
    ),
  },
  open,
);

const Path = Type.Object(
  {
    kind: Type.Union([Type.Literal('assignment'), Type.Literal('grant')]),
    id: Type.String(),
    applies_on: Nullable("The assignment's scope or the grant's resource; null for a global assignment"),
    applies_as: Type.Union([Type.Literal('global'), Type.Literal('resource'), Type.Literal('ancestor')]),
    condition: Type.Union([Condition, Type.Null()]),
    outcome: Type.Union(
      ['allows', 'role_unknown', 'permission_not_covered', 'condition_false', 'condition_error'].map((v) =>
        Type.Literal(v),
      ),
    ),
    role: Type.Optional(Type.String()),
    matched_by: Type.Optional(Nullable('The granted pattern covering the permission')),
    through_roles: Type.Optional(
      Type.Array(Type.String(), { description: 'Include chain to the role holding it' }),
    ),
    permission: Type.Optional(Type.String({ description: 'The granted permission (grants)' })),
  },
  open,
);

export const ExplanationSchema = Type.Object(
  {
    request: Type.Object(
      {
        subject: Type.String(),
        permission: Type.String(),
        resource: Nullable(),
        now: Type.String({ description: 'The time the conditions saw' }),
        context_keys: Type.Array(Type.String(), {
          description: 'Keys of the context (values are not echoed)',
        }),
      },
      open,
    ),
    allowed: Type.Boolean(),
    reason: Nullable(),
    resource_chain: Type.Array(Type.String(), {
      description: 'The resource, then its ancestors, nearest first',
    }),
    holders: Type.Array(
      Type.Object(
        {
          subject: Type.String({ description: 'The requested subject, or a group it belongs to' }),
          via: Type.Array(Type.String(), { description: 'Membership chain from the subject to this group' }),
          paths: Type.Array(Path),
          not_considered: Type.Object({ assignments: Type.Integer(), grants: Type.Integer() }, open),
        },
        open,
      ),
    ),
  },
  { ...open, description: 'Every assignment and grant considered, with its outcome' },
);
