/**
 * Request and response schemas of the authz API. Syntax is the intersection of the domain's
 * (`domain/permissions.ts`) and the event catalogue's (`@authplatform/contracts` schema/common.ts), so
 * anything the API accepts can also be published in an event.
 */
import { problems } from '@authplatform/service-kit';
import { type TSchema, Type } from '@sinclair/typebox';

export const ROLES_READ = 'roles:read';
export const ROLES_WRITE = 'roles:write';
export const GRANTS_WRITE = 'grants:write';
export const AUTHZ_CHECK = 'authz:check';

export const RoleName = (description = 'Role name') =>
  Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,99}$', description });
export const Permission = (description = '`<resource_type>:<action>`, `<resource_type>:*` or `*`') =>
  Type.String({ pattern: '^(\\*|[a-z][a-z0-9_-]{0,63}:(\\*|[a-z][a-z0-9_-]{0,63}))$', description });
export const Subject = (description = '`user:<id>`, `client:<id>` or `group:<id>`') =>
  Type.String({ pattern: '^(user|client|group):[A-Za-z0-9._@-]{1,200}$', description });
export const Resource = (description = '`<type>:<id>`, e.g. `project:42`') =>
  Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}:[A-Za-z0-9._~@+=-]{1,200}$', description });
export const ResourceType = () =>
  Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'Resource type, e.g. `document`' });
export const GroupId = () =>
  Type.String({
    pattern: '^[A-Za-z0-9._@-]{1,200}$',
    description: 'Group id (the group is the subject `group:<id>`)',
  });
export const Condition = (description = 'CEL condition over `context` and `now` (see docs/authz.md)') =>
  Type.String({ minLength: 1, maxLength: 2048, description });
export const Revision = () =>
  Type.String({
    pattern: '^[0-9]{1,15}$',
    description: 'Opaque revision token: pass it back as `at_least_as_fresh` to read your own write',
  });
export const Time = () => Type.String({ format: 'date-time' });

export const Consistency = Type.Union(
  [
    Type.Literal('minimize_latency', { description: 'Answer from this instance as it is (default)' }),
    Type.Object(
      { at_least_as_fresh: Revision() },
      { additionalProperties: false, description: 'Answer only once this revision is applied' },
    ),
  ],
  { description: 'Default `minimize_latency`' },
);

export const Context = Type.Record(
  Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }),
  Type.Unknown(),
  {
    maxProperties: 64,
    description:
      'Request attributes the conditions see as `context` (e.g. `{"ip": "10.1.2.3", "mfa": true}`)',
  },
);

export const Page = <T extends TSchema>(item: T) =>
  Type.Object(
    {
      items: Type.Array(item),
      next_cursor: Type.Union([Type.String(), Type.Null()], {
        description: 'Pass as `cursor` for the next page; null on the last',
      }),
    },
    { additionalProperties: false },
  );

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 600, pattern: '^[A-Za-z0-9_-]+$' })),
};

export const RevisionBody = Type.Object({ revision: Revision() }, { additionalProperties: false });

/** Opaque cursors: the base64url of the last item's sort key. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  // Sort keys are names, ids and `type:id` references: printable ASCII only.
  if (!/^[\x21-\x7e]{1,400}$/.test(key) || encodeCursor(key) !== cursor) {
    throw problems.validation([
      { pointer: '/query/cursor', code: 'invalid_cursor', detail: 'The cursor is not valid.' },
    ]);
  }
  return key;
}

/** A page of `rows` fetched with `limit + 1`: the items and the cursor after the last one shown. */
export function pageOf<R, V>(rows: R[], limit: number, key: (row: R) => string, view: (row: R) => V) {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    items: shown.map(view),
    next_cursor: rows.length > limit && last !== undefined ? encodeCursor(key(last)) : null,
  };
}

/** A page of an already sorted array of strings (lookups), after `cursor`. */
export function pageOfSorted(values: string[], cursor: string | undefined, limit: number) {
  const after = decodeCursor(cursor);
  let start = 0;
  if (after !== undefined) {
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((values[mid] as string) <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items = values.slice(start, start + limit);
  const last = items.at(-1);
  return {
    items,
    next_cursor: start + limit < values.length && last !== undefined ? encodeCursor(last) : null,
  };
}

/** Who made a change (for the events) and what the caller's token grants (for the escalation rule). */
export function actorOf(claims: { sub: string; client_id?: unknown; permissions?: unknown }): {
  type: 'client' | 'admin';
  id: string;
  permissions: string[];
} {
  const permissions = Array.isArray(claims.permissions)
    ? claims.permissions.filter((p): p is string => typeof p === 'string')
    : [];
  if (typeof claims.client_id === 'string' && claims.client_id === claims.sub) {
    return { type: 'client', id: claims.client_id.slice(0, 200), permissions };
  }
  return { type: 'admin', id: claims.sub.slice(0, 200), permissions };
}
