/** Use cases of the admin API for OAuth 2 clients: register, read, list, delete, rotate the secret. */
import { createEvent } from '@authplatform/contracts';
import type { Kysely } from 'kysely';
import {
  generateClientId,
  generateClientSecret,
  hashClientSecret,
  type Pepper,
} from '../../domain/clients/client-secret.ts';
import {
  type ClientRecord,
  findClient,
  insertClient,
  listClients,
  replaceSecret,
  softDeleteClient,
} from '../../store/clients/clients-store.ts';
import type { ClientsDatabase } from '../../store/clients/schema.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';

export type GrantType = 'client_credentials';

export interface NewClient {
  name: string;
  grantTypes: GrantType[];
  scopes: string[];
  permissions: string[];
}

export interface Actor {
  type: 'admin' | 'user' | 'client' | 'system';
  id?: string;
}

export interface ClientManagerOptions {
  // The messaging tables (outbox) are not in ClientsDatabase; enqueueEvent takes any transaction.
  db: Kysely<ClientsDatabase>;
  pepper: Pepper;
  /** Default grace period of the previous secret after a rotation, in seconds. */
  rotationGraceSec: number;
  /** Called with the client's id once its secret rotation or deletion committed (the client cache). */
  onChanged?: (id: string) => void;
  now?: () => Date;
}

export interface ClientManager {
  create(input: NewClient, actor: Actor): Promise<{ client: ClientRecord; secret: string }>;
  get(id: string): Promise<ClientRecord | undefined>;
  list(options: { limit: number; after?: string }): Promise<ClientRecord[]>;
  /** `false` when there is no such (live) client. */
  delete(id: string, actor: Actor): Promise<boolean>;
  rotateSecret(
    id: string,
    options: { graceSec?: number },
  ): Promise<{ client: ClientRecord; secret: string } | undefined>;
}

export function createClientManager(options: ClientManagerOptions): ClientManager {
  const { db, pepper } = options;
  const now = options.now ?? (() => new Date());
  const actorOf = (actor: Actor) => (actor.id === undefined ? { type: actor.type } : { ...actor });

  return {
    async create(input, actor) {
      const secret = generateClientSecret();
      const client = await db.transaction().execute(async (trx) => {
        const created = await insertClient(trx, {
          id: generateClientId(),
          name: input.name,
          grantTypes: [...new Set(input.grantTypes)],
          scopes: [...new Set(input.scopes)],
          permissions: [...new Set(input.permissions)],
          secretHash: hashClientSecret(pepper, secret),
          createdBy: actor.id ?? null,
          now: now(),
        });
        await enqueueEvent(
          trx,
          createEvent(
            'identity.client.created',
            {
              client_id: created.id,
              name: created.name,
              grant_types: created.grant_types as GrantType[],
              actor: actorOf(actor),
            },
            { subject: `client/${created.id}` },
          ),
        );
        return created;
      });
      return { client, secret };
    },
    get: (id) => findClient(db, id),
    list: (opts) => listClients(db, opts),
    async delete(id, actor) {
      const deleted = await db.transaction().execute(async (trx) => {
        const deleted = await softDeleteClient(trx, id, now());
        if (deleted === undefined) return false;
        await enqueueEvent(
          trx,
          createEvent(
            'identity.client.deleted',
            {
              client_id: deleted.id,
              name: deleted.name,
              grant_types: deleted.grant_types as GrantType[],
              actor: actorOf(actor),
            },
            { subject: `client/${deleted.id}` },
          ),
        );
        return true;
      });
      if (deleted) options.onChanged?.(id);
      return deleted;
    },
    async rotateSecret(id, opts) {
      const secret = generateClientSecret();
      const at = now();
      const graceSec = opts.graceSec ?? options.rotationGraceSec;
      const previousExpiresAt = graceSec > 0 ? new Date(at.getTime() + graceSec * 1000) : null;
      const client = await replaceSecret(db, id, hashClientSecret(pepper, secret), at, previousExpiresAt);
      if (client !== undefined) options.onChanged?.(id);
      return client === undefined ? undefined : { client, secret };
    },
  };
}
