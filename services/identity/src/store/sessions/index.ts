export * as refreshTokensMigration from './0005_refresh_tokens.ts';
export type {
  RefreshTokenFamiliesTable,
  RefreshTokensDatabase,
  RefreshTokensTable,
  SessionsDatabase,
} from './schema.ts';
export type { LiveSession, PresentedToken, SessionsStore } from './sessions-store.ts';
export { sessionsStore } from './sessions-store.ts';
