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

/** Limits of a check's `context`: what a condition may iterate over or compare is small (see docs/authz.md). */
export const CONTEXT_LIMITS = {
  /** Keys of the context itself and of any object inside it. */
  maxKeys: 64,
  /** Items of any array inside the context. */
  maxItems: 100,
  /** Characters of any string (value or nested key: 128). */
  maxStringLength: 1024,
  /** Levels of nesting, the context object itself being the first: `{ "a": [[{ "b": 1 }]] }` has 4. */
  maxDepth: 4,
  /** Values (scalars, arrays and objects, at any depth) in one check's context. */
  maxValues: 500,
  /** Values in all the contexts of one request (a batch shares this budget). */
  maxValuesPerRequest: 1000,
} as const;

const ContextKey = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' });
const NestedKey = Type.String({ pattern: '^[\\s\\S]{0,128}$' });
const ContextScalar = Type.Union([
  Type.String({ maxLength: CONTEXT_LIMITS.maxStringLength }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
]);
/** A JSON value with at most `levels` levels of arrays/objects, each within the limits. */
function contextValue(levels: number): TSchema {
  if (levels === 0) return ContextScalar;
  const inner = contextValue(levels - 1);
  return Type.Union([
    ContextScalar,
    Type.Array(inner, { maxItems: CONTEXT_LIMITS.maxItems }),
    Type.Record(NestedKey, inner, { maxProperties: CONTEXT_LIMITS.maxKeys }),
  ]);
}

export const Context = Type.Record(ContextKey, contextValue(CONTEXT_LIMITS.maxDepth - 1), {
  maxProperties: CONTEXT_LIMITS.maxKeys,
  description:
    'Request attributes the conditions see as `context` (e.g. `{"ip": "10.1.2.3", "mfa": true}`). At most 64 keys ' +
    'per object, 100 items per array, 1024 characters per string, 4 levels of nesting and 500 values in all ' +
    '(1000 across a batch).',
});

/** The number of values in a JSON value: each scalar, array and object counts one. */
function countValues(value: unknown, budget: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= budget) {
    const v = stack.pop();
    count++;
    if (Array.isArray(v)) stack.push(...v);
    else if (typeof v === 'object' && v !== null) stack.push(...Object.values(v));
  }
  return count;
}

/**
 * Refuses (400 `context_too_large`) contexts holding more values than the limits allow, one check's
 * and the request's in all. The schema bounds each array, object, string and the depth; this bounds
 * the total, so a condition comparing context values inside a comprehension stays cheap.
 */
export function assertContextBudget(contexts: Array<{ pointer: string; context: unknown }>): void {
  let total = 0;
  const errors: Array<{ pointer: string; code: string; detail: string }> = [];
  for (const { pointer, context } of contexts) {
    if (context === undefined) continue;
    // The context object itself is not one of its values.
    const values = countValues(context, CONTEXT_LIMITS.maxValues + 1) - 1;
    total += values;
    if (values > CONTEXT_LIMITS.maxValues)
      errors.push({
        pointer,
        code: 'context_too_large',
        detail: `The context holds more than ${CONTEXT_LIMITS.maxValues} values.`,
      });
  }
  if (errors.length === 0 && total > CONTEXT_LIMITS.maxValuesPerRequest)
    errors.push({
      pointer: '/body',
      code: 'context_too_large',
      detail: `The contexts of this request hold more than ${CONTEXT_LIMITS.maxValuesPerRequest} values in all.`,
    });
  if (errors.length > 0) throw problems.validation(errors);
}

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
