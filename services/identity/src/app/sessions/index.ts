export type { RefreshCaller, SessionsDeps } from './deps.ts';
export {
  isUuid,
  listSessions,
  MAX_LISTED_SESSIONS,
  revokeOwnSessions,
  sessionIsLive,
} from './manage-sessions.ts';
export type { Profile, UserInfo } from './profile.ts';
export { readProfile, readUserInfo } from './profile.ts';
export type { FirstRefreshTokenInput, RefreshOutcome } from './refresh-tokens.ts';
export {
  issueFirstRefreshToken,
  revokeRefreshTokenFamily,
  revokeRefreshTokensOfSession,
  rotateRefreshToken,
} from './refresh-tokens.ts';
export type { SessionsConfigValues } from './sessions-config.ts';
export { sessionsConfig, sessionsConfigured } from './sessions-config.ts';
export { refreshGrantFor, sessionsFor } from './sessions-module.ts';
