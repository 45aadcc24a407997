/**
 * Wiring of signing keys into the service: one key ring and one token issuer per running service
 * (per database), shared by the start-up plugin, the routes and the token-issuing use cases.
 */
import type { Logger, ServiceContext, ServicePlugin } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { keysConfig } from '../../config/keys.ts';
import { developmentKek, type Kek, parseKek } from '../../domain/keys/key-material.ts';
import type { KeysDatabase } from '../../store/keys/schema.ts';
import { createAccessTokenIssuer, type IssueAccessToken } from './issue-access-token.ts';
import { createSigningKeys, type SigningKeys } from './signing-keys.ts';

/** Development fallbacks when `TOKEN_ISSUER` / `TOKEN_AUDIENCE` are absent (production refuses that). */
export const DEV_TOKEN_ISSUER = 'http://localhost:3001';
export const DEV_TOKEN_AUDIENCE = 'authplatform';

export interface KeysModule {
  keys: SigningKeys;
  issueAccessToken: IssueAccessToken;
  issuer: string;
  audience: string;
  accessTokenTtlSec: number;
}

type KeysContext = Pick<ServiceContext<typeof keysConfig>, 'config' | 'database' | 'logger'>;

/** The KEK from `SIGNING_KEY_ENCRYPTION_KEY`, else (outside production) the public development KEK. */
export function resolveKek(
  config: { NODE_ENV: string; SIGNING_KEY_ENCRYPTION_KEY?: string | undefined },
  logger?: Pick<Logger, 'warn'>,
): Kek {
  const value = config.SIGNING_KEY_ENCRYPTION_KEY;
  if (value !== undefined && value !== '') return parseKek(value);
  if (config.NODE_ENV === 'production') {
    // The production rules refuse this before start-up; this guards against wiring without them.
    throw new Error('SIGNING_KEY_ENCRYPTION_KEY is required in production.');
  }
  logger?.warn(
    'SIGNING_KEY_ENCRYPTION_KEY is not set: signing keys are encrypted under the public development key',
  );
  return developmentKek();
}

const modules = new WeakMap<object, KeysModule>();

/** The key ring and issuer of a running service (created on first use, one per database). */
export function keysFor(context: KeysContext): KeysModule {
  const existing = modules.get(context.database);
  if (existing !== undefined) return existing;
  const { config } = context;
  const db: Kysely<KeysDatabase> = context.database.db.withTables<KeysDatabase>();
  const keys = createSigningKeys({
    db,
    kek: resolveKek(config, context.logger),
    accessTokenTtlSec: config.ACCESS_TOKEN_TTL_SEC,
  });
  const issuer = (config.TOKEN_ISSUER ?? DEV_TOKEN_ISSUER).replace(/\/+$/, '');
  const audience = config.TOKEN_AUDIENCE ?? DEV_TOKEN_AUDIENCE;
  const module: KeysModule = {
    keys,
    issuer,
    audience,
    accessTokenTtlSec: config.ACCESS_TOKEN_TTL_SEC,
    issueAccessToken: createAccessTokenIssuer({
      keys,
      issuer,
      audience,
      ttlSec: config.ACCESS_TOKEN_TTL_SEC,
    }),
  };
  modules.set(context.database, module);
  return module;
}

/**
 * Start-up: makes sure an `active` and a `next` key exist (safe when several instances start at
 * once) and that the active key decrypts under the configured KEK, before the server listens.
 */
export function keysPlugin<P extends TProperties>(): ServicePlugin<P> {
  return {
    name: 'signing keys',
    start: async (context) => {
      const module = keysFor(context as unknown as KeysContext); // P includes keysConfig in identity's config
      const ensured = await module.keys.ensureKeys();
      await module.keys.activeKey();
      if (ensured.created.length > 0) context.logger.info('signing keys created', { kids: ensured.created });
      return {};
    },
  };
}
