import { Type } from '@sinclair/typebox';

/**
 * Environment variables of the authz service beyond the shared ones of service-kit
 * (`NODE_ENV`, `PORT`, `DATABASE_URL`, `AWS_ENDPOINT_URL`, `JWKS_URL`, ...; see docs/configuration.md
 * and docs/authz.md).
 */
export const config = Type.Object({
  AUTHZ_DEFAULT_ROLE: Type.String({
    pattern: '^([a-z0-9][a-z0-9_.-]{0,99})?$',
    default: 'member',
    description:
      'Role given to every newly registered user (identity.user.registered); created without permissions ' +
      'if it does not exist yet. Empty: no default role.',
  }),
  AUTHZ_CONSISTENCY_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    maximum: 30_000,
    default: 2_000,
    description:
      'How long a read with `at_least_as_fresh` waits for this instance to apply the revision before answering 503',
  }),
  AUTHZ_SYNC_POLL_MS: Type.Integer({
    minimum: 50,
    maximum: 600_000,
    default: 5_000,
    description:
      'Fallback poll of the change log; the normal wake-up is LISTEN/NOTIFY (Postgres) or the own commit',
  }),
  AUTHZ_CHANGE_LOG_RETENTION_HOURS: Type.Integer({
    minimum: 0,
    maximum: 87_600,
    default: 168,
    description:
      'Changes older than this are deleted from the change log (hourly; the newest is always kept); an instance ' +
      'that fell further behind reloads its index from the tables. 0: keep every change',
  }),
  AUTHZ_DENIED_SAMPLE_RATE: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.01,
    description:
      'Fraction of denied decisions logged at info level and published as `authz.decision.denied` events ' +
      '(through the outbox, off the request path); 0: none. Every decision is logged at debug level',
  }),
  AUTHZ_DENIED_EVENTS_MAX_PENDING: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 1_000,
    description:
      'Most sampled denials waiting to be written to the outbox; beyond it samples are dropped and counted ' +
      '(`authz_denied_events_total{result="dropped"}`), so a flood of denied checks costs bounded memory',
  }),
});
