// identity-events: accounts, logins, sessions, credentials, MFA, OAuth clients and signing keys.
import { Type } from '@sinclair/typebox';
import {
  Actor,
  DateTime,
  Email,
  IpAddress,
  Locale,
  PhoneNumber,
  StringEnum,
  TimeZone,
  UserAgent,
  Uuid,
} from '../schema/common.ts';
import { compliancePartEvents } from './compliance-parts.ts';
import { defineEvent } from './define.ts';
import { ex } from './example-values.ts';

const UserId = () => Uuid({ description: 'The user' });
const ClientId = () => Type.String({ minLength: 1, maxLength: 200, description: 'OAuth 2 client id' });

export const SIGNUP_METHODS = ['self_service', 'invitation', 'admin', 'bootstrap_admin'] as const;
export const MFA_METHODS = ['totp', 'sms', 'email', 'webauthn'] as const;
export const GRANT_TYPES = ['client_credentials', 'refresh_token', 'authorization_code'] as const;
export const LOGIN_FAILURE_REASONS = [
  'bad_password',
  'unknown_user',
  'locked',
  'mfa_failed',
  'unverified',
  'disabled',
] as const;
export const SESSION_REVOCATION_REASONS = [
  'logout',
  'user_revoked',
  'admin',
  'reuse_detected',
  'password_changed',
  'user_disabled',
  'user_deleted',
] as const;
export const LOCK_REASONS = ['too_many_failed_logins', 'security_detection', 'admin'] as const;
export const UNLOCK_REASONS = ['expired', 'admin', 'password_reset'] as const;
export const USER_PROFILE_FIELDS = ['name', 'locale', 'timezone', 'phone'] as const;

const StatusChange = Type.Object({
  user_id: UserId(),
  reason: Type.Optional(Type.String({ maxLength: 500, description: 'Free text given by the actor' })),
  actor: Actor(),
});

const MfaChange = Type.Object({
  user_id: UserId(),
  method: StringEnum(MFA_METHODS),
  actor: Type.Optional(Actor()),
});

const ClientChange = Type.Object({
  client_id: ClientId(),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  grant_types: Type.Array(StringEnum(GRANT_TYPES), { uniqueItems: true }),
  actor: Type.Optional(Actor()),
});

const admin = { type: 'admin', id: ex.adminId } as const;

export const identityEvents = [
  defineEvent('identity.user.registered', {
    summary: 'A user account was created (self-service sign-up, invitation, admin or bootstrap admin).',
    subject: 'user/{user_id}',
    consumers: ['notifications', 'authz'],
    data: Type.Object({
      user_id: UserId(),
      email: Email(),
      name: Type.Optional(Type.String({ maxLength: 200 })),
      locale: Locale(),
      timezone: TimeZone(),
      signup_method: StringEnum(SIGNUP_METHODS, {
        description: '`bootstrap_admin` makes authz give the user the built-in `platform-admin` role',
      }),
    }),
    examples: [
      {
        user_id: ex.userId,
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        locale: 'en',
        timezone: 'Europe/London',
        signup_method: 'self_service',
      },
      {
        user_id: ex.adminId,
        email: 'admin@example.com',
        locale: 'pt-BR',
        timezone: 'America/Sao_Paulo',
        signup_method: 'bootstrap_admin',
      },
    ],
  }),
  defineEvent('identity.user.email_verified', {
    summary: 'The user proved they control their email address.',
    subject: 'user/{user_id}',
    data: Type.Object({ user_id: UserId(), email: Email() }),
    examples: [{ user_id: ex.userId, email: 'ada@example.com' }],
  }),
  defineEvent('identity.user.updated', {
    summary: 'Profile fields changed; `changed` names them and the new values follow.',
    subject: 'user/{user_id}',
    consumers: ['notifications'],
    data: Type.Object({
      user_id: UserId(),
      changed: Type.Array(StringEnum(USER_PROFILE_FIELDS), { minItems: 1, uniqueItems: true }),
      name: Type.Optional(Type.String({ maxLength: 200 })),
      locale: Type.Optional(Locale()),
      timezone: Type.Optional(TimeZone()),
      phone: Type.Optional(Type.Union([PhoneNumber(), Type.Null()], { description: 'null when removed' })),
    }),
    examples: [
      { user_id: ex.userId, changed: ['locale', 'timezone'], locale: 'pt-BR', timezone: 'America/Sao_Paulo' },
      { user_id: ex.userId, changed: ['name', 'phone'], name: 'Ada King', phone: '+447700900123' },
    ],
  }),
  defineEvent('identity.user.email_changed', {
    summary: 'The user confirmed a new email address.',
    subject: 'user/{user_id}',
    consumers: ['notifications'],
    data: Type.Object({ user_id: UserId(), old_email: Email(), new_email: Email() }),
    examples: [{ user_id: ex.userId, old_email: 'ada@example.com', new_email: 'ada.king@example.org' }],
  }),
  defineEvent('identity.user.disabled', {
    summary: 'The account was disabled; it can no longer log in.',
    subject: 'user/{user_id}',
    data: StatusChange,
    examples: [{ user_id: ex.userId, reason: 'Left the company', actor: admin }],
  }),
  defineEvent('identity.user.enabled', {
    summary: 'A disabled account was enabled again.',
    subject: 'user/{user_id}',
    data: StatusChange,
    examples: [{ user_id: ex.userId, actor: admin }],
  }),
  defineEvent('identity.user.locked', {
    summary: 'The account was locked (failed logins, a security detection, or an admin).',
    subject: 'user/{user_id}',
    consumers: ['notifications'],
    data: Type.Object({
      user_id: UserId(),
      reason: StringEnum(LOCK_REASONS),
      until: Type.Optional(DateTime({ description: 'When the lock ends by itself; absent: until unlocked' })),
      detection_id: Type.Optional(Uuid({ description: 'The audit detection that caused the lock' })),
    }),
    examples: [
      { user_id: ex.userId, reason: 'too_many_failed_logins', until: ex.later },
      { user_id: ex.userId, reason: 'security_detection', detection_id: ex.detectionId },
    ],
  }),
  defineEvent('identity.user.unlocked', {
    summary: 'A lock ended (it expired, an admin lifted it, or the password was reset).',
    subject: 'user/{user_id}',
    consumers: ['notifications'],
    data: Type.Object({
      user_id: UserId(),
      reason: StringEnum(UNLOCK_REASONS),
      actor: Type.Optional(Actor()),
    }),
    examples: [{ user_id: ex.userId, reason: 'admin', actor: admin }],
  }),
  defineEvent('identity.user.deleted', {
    summary: 'The account was deleted; every service erases what it holds about the user.',
    subject: 'user/{user_id}',
    consumers: ['authz', 'notifications', 'webhooks'],
    data: Type.Object({
      user_id: UserId(),
      actor: Actor(),
      erasure_request_id: Uuid({ description: 'The compliance erasure request that tracks the erasure' }),
    }),
    examples: [
      { user_id: ex.userId, actor: { type: 'user', id: ex.userId }, erasure_request_id: ex.requestId },
    ],
  }),
  defineEvent('identity.login.succeeded', {
    summary: 'A login completed (all factors passed) and a session started.',
    subject: 'user/{user_id}',
    consumers: ['notifications'],
    data: Type.Object({
      user_id: UserId(),
      session_id: Uuid(),
      client_id: Type.Optional(ClientId()),
      amr: Type.Array(Type.String({ pattern: '^[a-z0-9_]+$' }), {
        minItems: 1,
        description: 'Authentication methods references (RFC 8176), e.g. ["pwd","otp"]',
      }),
      ip: IpAddress(),
      user_agent: UserAgent(),
      new_device: Type.Boolean({ description: 'No earlier session of this user came from this device' }),
    }),
    examples: [
      {
        user_id: ex.userId,
        session_id: ex.sessionId,
        amr: ['pwd', 'otp'],
        ip: ex.ip,
        user_agent: ex.userAgent,
        new_device: true,
      },
    ],
  }),
  defineEvent('identity.login.failed', {
    summary: 'A login attempt failed. The email is only present as a hash.',
    subject: 'user/{user_id}',
    data: Type.Object({
      user_id: Type.Optional(Uuid({ description: 'Absent when the email matches no user' })),
      reason: StringEnum(LOGIN_FAILURE_REASONS),
      ip: IpAddress(),
      user_agent: UserAgent(),
      email_hash: Type.String({
        pattern: '^[0-9a-f]{64}$',
        description: 'Hex SHA-256 of the lower-cased email, so that detections can group attempts',
      }),
    }),
    examples: [
      {
        user_id: ex.userId,
        reason: 'bad_password',
        ip: ex.ip,
        user_agent: ex.userAgent,
        email_hash: '2c8f5a3e1b7d4c6f9a0e2d4b6c8a1f3e5d7b9c0a2e4f6d8b1c3a5e7f9d0b2c4a',
      },
      {
        reason: 'unknown_user',
        ip: ex.ipv6,
        user_agent: 'curl/8.5.0',
        email_hash: '9f1e3d5c7b9a0f2e4d6c8b0a1f3e5d7c9b1a3f5e7d9c0b2a4f6e8d0c2b4a6f8e',
      },
    ],
  }),
  defineEvent('identity.session.revoked', {
    summary: 'A session ended before its expiry, with its refresh tokens.',
    subject: 'user/{user_id}',
    data: Type.Object({
      user_id: UserId(),
      session_id: Uuid(),
      reason: StringEnum(SESSION_REVOCATION_REASONS),
      actor: Type.Optional(Actor()),
    }),
    examples: [
      {
        user_id: ex.userId,
        session_id: ex.sessionId,
        reason: 'logout',
        actor: { type: 'user', id: ex.userId },
      },
    ],
  }),
  defineEvent('identity.token.reuse_detected', {
    summary: 'A rotated refresh token was used again; its family and session were revoked (RFC 9700 §4.14).',
    subject: 'user/{user_id}',
    consumers: ['notifications'],
    data: Type.Object({
      user_id: UserId(),
      family_id: Uuid({ description: 'The refresh token family that was revoked' }),
      session_id: Uuid(),
      client_id: Type.Optional(ClientId()),
      ip: IpAddress(),
      user_agent: Type.Optional(UserAgent()),
    }),
    examples: [
      {
        user_id: ex.userId,
        family_id: ex.familyId,
        session_id: ex.sessionId,
        ip: ex.ip,
        user_agent: 'curl/8.5.0',
      },
    ],
  }),
  defineEvent('identity.password.changed', {
    summary: 'The password was changed by the user or through a reset.',
    subject: 'user/{user_id}',
    consumers: ['notifications'],
    data: Type.Object({
      user_id: UserId(),
      method: StringEnum(['change', 'reset'] as const),
      sessions_revoked: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
    examples: [{ user_id: ex.userId, method: 'reset', sessions_revoked: 3 }],
  }),
  defineEvent('identity.password.reset_requested', {
    summary: 'A password reset was requested for an existing account (the link goes only by command).',
    subject: 'user/{user_id}',
    data: Type.Object({
      user_id: UserId(),
      ip: Type.Optional(IpAddress()),
      user_agent: Type.Optional(UserAgent()),
    }),
    examples: [{ user_id: ex.userId, ip: ex.ip, user_agent: ex.userAgent }],
  }),
  defineEvent('identity.mfa.enrolled', {
    summary: 'A second factor was added.',
    subject: 'user/{user_id}',
    consumers: ['notifications'],
    data: MfaChange,
    examples: [{ user_id: ex.userId, method: 'totp' }],
  }),
  defineEvent('identity.mfa.removed', {
    summary: 'A second factor was removed.',
    subject: 'user/{user_id}',
    consumers: ['notifications'],
    data: MfaChange,
    examples: [{ user_id: ex.userId, method: 'sms', actor: { type: 'user', id: ex.userId } }],
  }),
  defineEvent('identity.client.created', {
    summary: 'An OAuth 2 client was registered.',
    subject: 'client/{client_id}',
    data: ClientChange,
    examples: [
      { client_id: ex.clientId, name: 'Billing service', grant_types: ['client_credentials'], actor: admin },
    ],
  }),
  defineEvent('identity.client.deleted', {
    summary: 'An OAuth 2 client was deleted.',
    subject: 'client/{client_id}',
    data: ClientChange,
    examples: [{ client_id: ex.clientId, grant_types: ['client_credentials'], actor: admin }],
  }),
  defineEvent('identity.signing_key.rotated', {
    summary: 'A new signing key became active; the previous one stays in the JWKS until its tokens expire.',
    subject: 'signing_key/{kid}',
    data: Type.Object({
      kid: Type.String({ minLength: 1, maxLength: 200, description: 'Key id of the new key' }),
      previous_kid: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      alg: Type.Literal('ES256'),
    }),
    examples: [{ kid: '2026-11-28-a1b2', previous_kid: '2026-08-30-9f8e', alg: 'ES256' }],
  }),
  ...compliancePartEvents('identity'),
] as const;
