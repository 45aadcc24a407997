/**
 * Introspection's memory of client tokens (tokens without a session, i.e. client_credentials
 * tokens) found active: for `ttlMs` (TOKEN_STATUS_CACHE_TTL_SEC, default 2 s) such a token is
 * answered from the signature, its `exp` and this memory, without reading the revocation tables.
 *
 * Bounds (security first):
 * - Only "not revoked, client not deleted" is remembered, never an inactive answer, and only for
 *   tokens without `sid`: user tokens follow their session, whose revocation has many sources, and
 *   are read from the database on every introspection (exact across instances).
 * - This instance forgets a token it revokes (RFC 7009) and everything when it deletes a client, at
 *   once (`forget`, `forgetAll` after the commit; a read that started before is not remembered).
 * - A revocation or client deletion on another instance reaches this one within `ttlMs`.
 */
/** When a status read began, and what had been forgotten by then. */
export interface StatusRead {
  readonly epoch: number;
  readonly at: number;
}

export interface TokenStatusCache {
  /** Whether `jti` was found active less than `ttlMs` ago (and nothing here revoked it since). */
  isActive(jti: string): boolean;
  /** Call before reading the status; hand the result to `remember`. */
  begin(): StatusRead;
  /** Remembers `jti` as active as of `read`, unless this instance revoked something since. */
  remember(jti: string, read: StatusRead): void;
  forget(jti: string): void;
  forgetAll(): void;
}

export function createTokenStatusCache(options: {
  ttlMs: number;
  /** At most this many tokens are remembered (the oldest first out). Default 100,000. */
  maxEntries?: number;
  now?: () => number;
}): TokenStatusCache {
  const { ttlMs } = options;
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? (() => performance.now());
  /** jti → when the read that found it active began. */
  const active = new Map<string, number>();
  /** Bumped by `forget`/`forgetAll`: a read begun before does not enter the cache. */
  let epoch = 0;

  return {
    isActive(jti) {
      const readAt = active.get(jti);
      if (readAt === undefined) return false;
      if (now() - readAt < ttlMs) return true;
      active.delete(jti);
      return false;
    },
    begin: () => ({ epoch, at: now() }),
    remember(jti, read) {
      if (ttlMs <= 0 || read.epoch !== epoch) return;
      active.delete(jti);
      active.set(jti, read.at);
      if (active.size > maxEntries) {
        const oldest = active.keys().next();
        if (oldest.done !== true) active.delete(oldest.value);
      }
    },
    forget(jti) {
      epoch += 1;
      active.delete(jti);
    },
    forgetAll() {
      epoch += 1;
      active.clear();
    },
  };
}
