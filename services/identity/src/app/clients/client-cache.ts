/**
 * Live OAuth clients with their secret hashes, as client authentication reads them, kept in memory
 * for `ttlMs` (CLIENT_CACHE_TTL_SEC, default 2 s) so that the client_credentials grant and
 * introspection need no database round trip to authenticate a busy client.
 *
 * What the cache may and may not do (security first):
 * - Only found, live clients are kept; an unknown id is read every time (a client created on
 *   another instance works at once) and nothing about failed authentications is remembered.
 * - The secret is still compared on every request (HMAC + constant-time comparison of the stored
 *   hashes), and the previous secret's grace period is judged against the clock on every request.
 * - This instance forgets a client as soon as its secret is rotated or it is deleted here
 *   (`forget`, called after the commit). Another instance keeps the old row for at most `ttlMs`:
 *   a rotated-out (grace 0) or deleted client's secret can authenticate there for at most that long.
 * - Concurrent misses for one id share one read; a `forget` during a read keeps its answer out.
 */
import { type ClientsDb, findClientForAuth, type StoredClient } from '../../store/clients/clients-store.ts';

export interface ClientCache {
  /** The live client with its secret hashes, or `undefined`. */
  find(id: string): Promise<StoredClient | undefined>;
  /** Drops the client (after its secret rotated or it was deleted). */
  forget(id: string): void;
}

export interface ClientCacheOptions {
  db: ClientsDb;
  /** How long a read is reused; 0 reads every time. */
  ttlMs: number;
  /** At most this many clients are kept (the oldest read goes first). Default 10,000. */
  maxEntries?: number;
  /** Monotonic milliseconds (tests move it). */
  now?: () => number;
}

export function createClientCache(options: ClientCacheOptions): ClientCache {
  const { db, ttlMs } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? (() => performance.now());
  const entries = new Map<string, { client: StoredClient; readAt: number }>();
  const reading = new Map<string, Promise<StoredClient | undefined>>();
  /** Bumped by every `forget`: a read started before it does not enter the cache. */
  let epoch = 0;

  function read(id: string): Promise<StoredClient | undefined> {
    const pending = reading.get(id);
    if (pending !== undefined) return pending;
    const started = epoch;
    const readAt = now();
    const promise = findClientForAuth(db, id).finally(() => {
      if (reading.get(id) === promise) reading.delete(id);
    });
    reading.set(id, promise);
    return promise.then((client) => {
      if (client !== undefined && started === epoch && ttlMs > 0) {
        entries.delete(id);
        entries.set(id, { client, readAt });
        if (entries.size > maxEntries) {
          const oldest = entries.keys().next();
          if (oldest.done !== true) entries.delete(oldest.value);
        }
      }
      return client;
    });
  }

  return {
    find(id) {
      const entry = entries.get(id);
      if (entry !== undefined && now() - entry.readAt < ttlMs) return Promise.resolve(entry.client);
      if (entry !== undefined) entries.delete(id);
      return read(id);
    },
    forget(id) {
      epoch += 1;
      entries.delete(id);
      reading.delete(id);
    },
  };
}
