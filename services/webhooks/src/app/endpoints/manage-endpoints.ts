/**
 * Customer endpoints (spec webhooks.md, "Endpoints"): create (the secret is shown once), list, read,
 * update (enable/disable, filter, description, URL), delete, rotate the secret (the previous one keeps
 * signing for the grace period). Every change publishes its `webhooks.endpoint.*` event through the outbox.
 */
import { createEvent, uuidv7 } from '@authplatform/contracts';
import { enqueueEvent } from '@authplatform/messaging';
import type { Kysely } from 'kysely';
import { newSigningSecret } from '../../domain/delivery/signature.ts';
import { checkEndpointUrl } from '../../domain/endpoints/endpoint-url.ts';
import { isValidEventFilter } from '../../domain/endpoints/event-filter.ts';
import type { SecretBox } from '../../domain/endpoints/secret-box.ts';
import type { WebhookEndpointsTable, WebhooksDatabase } from '../../store/webhooks/schema.ts';
import { EndpointError } from './errors.ts';

export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  owner_id: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  rate_limit_per_sec: number | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Actor {
  type: 'user' | 'client' | 'admin' | 'system';
  id?: string;
}

type EndpointRow = Omit<WebhookEndpointsTable, 'enabled' | 'created_at' | 'updated_at'> & {
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
};

export function toEndpointView(row: EndpointRow): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: row.event_types,
    owner_id: row.owner_id,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    rate_limit_per_sec: row.rate_limit_per_sec,
    previous_secret_expires_at:
      row.previous_secret_expires_at !== null && row.previous_secret_expires_at > new Date()
        ? row.previous_secret_expires_at.toISOString()
        : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export interface ManageEndpointsDeps {
  db: Kysely<WebhooksDatabase>;
  secrets: SecretBox;
  allowPrivateTargets: boolean;
  rotationGraceSec: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkFilters(types: readonly string[]): void {
  const bad = types.filter((t) => !isValidEventFilter(t));
  if (bad.length > 0) {
    throw new EndpointError('invalid_event_filter', `Invalid event type filter(s): ${bad.join(', ')}.`);
  }
}

export function manageEndpoints(deps: ManageEndpointsDeps) {
  const { db, secrets } = deps;
  const checkUrl = (value: string) => {
    const result = checkEndpointUrl(value, { allowPrivate: deps.allowPrivateTargets });
    if (!result.ok) throw new EndpointError('invalid_url', `The URL ${result.reason}.`);
    return result.url;
  };
  const ownerOf = (actor: Actor) => (actor.id !== undefined && UUID.test(actor.id) ? actor.id : null);

  return {
    async create(
      input: {
        url: string;
        event_types: string[];
        description?: string | undefined;
        rate_limit_per_sec?: number | undefined;
      },
      actor: Actor,
    ): Promise<{ endpoint: EndpointView; secret: string }> {
      const url = checkUrl(input.url);
      checkFilters(input.event_types);
      const id = uuidv7();
      const secret = newSigningSecret();
      const row = await db.transaction().execute(async (trx) => {
        const created = await trx
          .insertInto('webhook_endpoints')
          .values({
            id,
            url: url.toString(),
            description: input.description ?? null,
            event_types: [...new Set(input.event_types)],
            owner_id: ownerOf(actor),
            disabled_reason: null,
            rate_limit_per_sec: input.rate_limit_per_sec ?? null,
            secret_sealed: secrets.seal(secret, id),
            previous_secret_sealed: null,
            previous_secret_expires_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await enqueueEvent(
          trx,
          createEvent('webhooks.endpoint.created', {
            endpoint_id: id,
            url_host: url.host,
            ...(created.owner_id === null ? {} : { owner_id: created.owner_id }),
            event_types: created.event_types,
            actor,
          }),
        );
        return created;
      });
      return { endpoint: toEndpointView(row), secret };
    },

    async list(page: { after?: string | undefined; limit: number }): Promise<EndpointView[]> {
      let query = db.selectFrom('webhook_endpoints').selectAll().orderBy('id').limit(page.limit);
      if (page.after !== undefined) query = query.where('id', '>', page.after);
      return (await query.execute()).map(toEndpointView);
    },

    async get(id: string): Promise<EndpointView | undefined> {
      const row = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toEndpointView(row);
    },

    async update(
      id: string,
      patch: {
        url?: string | undefined;
        event_types?: string[] | undefined;
        description?: string | null | undefined;
        enabled?: boolean | undefined;
        rate_limit_per_sec?: number | null | undefined;
      },
      actor: Actor,
    ): Promise<EndpointView | undefined> {
      const url = patch.url === undefined ? undefined : checkUrl(patch.url);
      if (patch.event_types !== undefined) checkFilters(patch.event_types);
      return db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom('webhook_endpoints')
          .selectAll()
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (before === undefined) return undefined;
        const after = await trx
          .updateTable('webhook_endpoints')
          .set({
            ...(url === undefined ? {} : { url: url.toString() }),
            ...(patch.event_types === undefined ? {} : { event_types: [...new Set(patch.event_types)] }),
            ...(patch.description === undefined ? {} : { description: patch.description }),
            ...(patch.rate_limit_per_sec === undefined
              ? {}
              : { rate_limit_per_sec: patch.rate_limit_per_sec }),
            ...(patch.enabled === undefined
              ? {}
              : { enabled: patch.enabled, disabled_reason: patch.enabled ? null : 'admin' }),
            updated_at: new Date(),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        if (before.enabled && patch.enabled === false) {
          await enqueueEvent(
            trx,
            createEvent('webhooks.endpoint.disabled', {
              endpoint_id: id,
              url_host: new URL(after.url).host,
              ...(after.owner_id === null ? {} : { owner_id: after.owner_id }),
              reason: 'admin',
              actor,
            }),
          );
        }
        return toEndpointView(after);
      });
    },

    async remove(id: string, actor: Actor): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const removed = await trx
          .deleteFrom('webhook_endpoints')
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (removed === undefined) return false;
        await enqueueEvent(
          trx,
          createEvent('webhooks.endpoint.deleted', {
            endpoint_id: id,
            url_host: new URL(removed.url).host,
            ...(removed.owner_id === null ? {} : { owner_id: removed.owner_id }),
            actor,
          }),
        );
        return true;
      });
    },

    /** A new secret; the previous one keeps signing (both signatures sent) until the grace period ends. */
    async rotateSecret(id: string): Promise<{ endpoint: EndpointView; secret: string } | undefined> {
      const secret = newSigningSecret();
      return db.transaction().execute(async (trx) => {
        const current = await trx
          .selectFrom('webhook_endpoints')
          .select(['secret_sealed'])
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (current === undefined) return undefined;
        const row = await trx
          .updateTable('webhook_endpoints')
          .set({
            secret_sealed: secrets.seal(secret, id),
            previous_secret_sealed: current.secret_sealed,
            previous_secret_expires_at: new Date(Date.now() + deps.rotationGraceSec * 1000),
            updated_at: new Date(),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return { endpoint: toEndpointView(row), secret };
      });
    },
  };
}

export type ManageEndpoints = ReturnType<typeof manageEndpoints>;
