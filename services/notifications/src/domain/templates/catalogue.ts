// The template catalogue: every template key notifications ships, what triggers it, which channels
// it has, whether preferences may silence it, and the data it is rendered with. The data of each key
// is what arrives: the command's `template_data` (packages/contracts commands/catalogue.ts) or the
// event's `data` (packages/contracts events/*.ts), plus `name` (the recipient's display name, when
// known) and, for events, `occurred_at` (the envelope's `time`). catalogue.test.ts proves the field
// lists against the contracts, and `sampleData` is built from the contracts' own examples.
import { commandCatalogue, eventCatalogue } from '@authplatform/contracts';

export type Channel = 'email' | 'sms';

/**
 * - `security`: alerts about the account; always sent, preferences cannot silence them.
 * - `transactional`: the link or code the recipient (or an admin for them) just asked for; always sent.
 * - `webhooks`: operational notices to a webhook endpoint's owner; honour preferences.
 */
export type TemplateCategory = 'security' | 'transactional' | 'webhooks';

/** How a value is checked before rendering and how templates should use it. */
export type FieldKind =
  | 'string'
  | 'url' // http(s) URL, checked before rendering (never `javascript:` in an href)
  | 'code' // one-time code: digits only
  | 'datetime' // RFC 3339; render with {{datetime}}, {{date}}, {{time}} or {{relative}}
  | 'integer'
  | 'enum'
  | 'actor'; // { type: 'user' | 'client' | 'admin' | 'system', id? }

export interface FieldSpec {
  readonly kind: FieldKind;
  readonly required: boolean;
  /** Secret (a link or code): never logged, never stored outside the dev outbox. */
  readonly secret?: boolean;
  readonly values?: readonly string[];
  readonly description: string;
}

export interface TemplateDefinition {
  readonly key: TemplateKey;
  readonly summary: string;
  readonly category: TemplateCategory;
  readonly channels: readonly Channel[];
  /** What makes notifications send it: `command:<type>` or `event:<type>` (with a condition, if any). */
  readonly triggers: readonly string[];
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /**
   * Fields whose value every rendered part must contain (the link, the code): an override that
   * drops them is refused, since the message would be useless.
   */
  readonly mustInclude: readonly string[];
}

export const TEMPLATE_KEYS = [
  'email-verification',
  'password-reset',
  'otp-code',
  'magic-link',
  'invitation',
  'signup-attempt-existing',
  'new-device-login',
  'webhook-failing',
  'security-alert-password-changed',
  'security-alert-email-changed',
  'security-alert-mfa-enrolled',
  'security-alert-mfa-removed',
  'security-alert-user-locked',
  'security-alert-token-reuse',
  'security-alert-security-detected',
] as const;

export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

export function isTemplateKey(value: unknown): value is TemplateKey {
  return typeof value === 'string' && (TEMPLATE_KEYS as readonly string[]).includes(value);
}

const name: FieldSpec = {
  kind: 'string',
  required: false,
  description: "The recipient's display name, when known (command `recipient.name`, or the contact)",
};
const occurredAt: FieldSpec = {
  kind: 'datetime',
  required: true,
  description: 'When it happened: the event envelope `time`',
};
const link: FieldSpec = { kind: 'url', required: true, secret: true, description: 'The secret link' };
const code: FieldSpec = { kind: 'code', required: true, secret: true, description: 'The one-time code' };
const expiresAt: FieldSpec = {
  kind: 'datetime',
  required: true,
  description: 'When the link or code stops working',
};
const ip = (required: boolean): FieldSpec => ({ kind: 'string', required, description: 'IP address' });
const userAgent = (required: boolean): FieldSpec => ({
  kind: 'string',
  required,
  description: 'User-Agent of the device; render with {{device user_agent}}',
});
const mfaMethod: FieldSpec = {
  kind: 'enum',
  required: true,
  values: ['totp', 'sms', 'email', 'webauthn'],
  description: 'The second factor; render with {{> mfa-method}}',
};
const actor: FieldSpec = {
  kind: 'actor',
  required: false,
  description: 'Who did it ({ type, id }); absent or the user: the user themself',
};

const definitions: readonly TemplateDefinition[] = [
  {
    key: 'email-verification',
    summary: 'The link that verifies an address (after sign-up, or to confirm an email change).',
    category: 'transactional',
    channels: ['email'],
    triggers: ['command:send_email_verification'],
    fields: {
      name,
      link,
      expires_at: expiresAt,
      purpose: {
        kind: 'enum',
        required: true,
        values: ['signup', 'email_change'],
        description: 'Why the address is verified',
      },
    },
    mustInclude: ['link'],
  },
  {
    key: 'password-reset',
    summary: 'A password-reset link (single use, short-lived).',
    category: 'transactional',
    channels: ['email'],
    triggers: ['command:send_password_reset'],
    fields: { name, link, expires_at: expiresAt },
    mustInclude: ['link'],
  },
  {
    key: 'otp-code',
    summary: 'A one-time code for an MFA login or a factor enrolment, by email or SMS.',
    category: 'transactional',
    channels: ['email', 'sms'],
    triggers: ['command:send_otp_email', 'command:send_otp_sms'],
    fields: {
      name,
      code,
      expires_at: expiresAt,
      purpose: {
        kind: 'enum',
        required: true,
        values: ['login', 'enrollment'],
        description: 'Signing in, or adding the factor',
      },
    },
    mustInclude: ['code'],
  },
  {
    key: 'magic-link',
    summary: 'A sign-in link.',
    category: 'transactional',
    channels: ['email'],
    triggers: ['command:send_magic_link'],
    fields: { name, link, expires_at: expiresAt },
    mustInclude: ['link'],
  },
  {
    key: 'invitation',
    summary: 'An invitation with a set-password link (admin-created accounts).',
    category: 'transactional',
    channels: ['email'],
    triggers: ['command:send_invitation'],
    fields: {
      name,
      link,
      expires_at: expiresAt,
      inviter_name: { kind: 'string', required: false, description: 'Who invited them, when known' },
    },
    mustInclude: ['link'],
  },
  {
    key: 'signup-attempt-existing',
    summary: 'Someone tried to sign up with an address that already has an account.',
    category: 'security',
    channels: ['email'],
    triggers: ['command:send_signup_attempt_existing'],
    fields: {
      name,
      attempted_at: { kind: 'datetime', required: true, description: 'When the sign-up was attempted' },
      ip: ip(false),
    },
    mustInclude: [],
  },
  {
    key: 'new-device-login',
    summary: 'A login from a device this user had not used before.',
    category: 'security',
    channels: ['email'],
    triggers: ['event:identity.login.succeeded (new_device = true)'],
    fields: {
      name,
      occurred_at: occurredAt,
      ip: ip(true),
      user_agent: userAgent(true),
      client_id: { kind: 'string', required: false, description: 'The OAuth client used, if any' },
    },
    mustInclude: [],
  },
  {
    key: 'webhook-failing',
    summary: "Every retry of an event to one of the owner's webhook endpoints failed.",
    category: 'webhooks',
    channels: ['email'],
    triggers: ['event:webhooks.delivery.exhausted (to owner_id)'],
    fields: {
      name,
      occurred_at: occurredAt,
      endpoint_id: { kind: 'string', required: true, description: 'The endpoint' },
      url_host: { kind: 'string', required: true, description: "Host of the endpoint's URL" },
      event_id: { kind: 'string', required: true, description: 'The event that was not delivered' },
      event_type: { kind: 'string', required: true, description: 'Its type' },
      attempts: { kind: 'integer', required: true, description: 'How many attempts were made' },
      last_status: {
        kind: 'integer',
        required: false,
        description: 'HTTP status of the last attempt, if it got an answer',
      },
    },
    mustInclude: [],
  },
  {
    key: 'security-alert-password-changed',
    summary: 'The password was changed (by the user, or through a reset).',
    category: 'security',
    channels: ['email'],
    triggers: ['event:identity.password.changed'],
    fields: {
      name,
      occurred_at: occurredAt,
      method: { kind: 'enum', required: true, values: ['change', 'reset'], description: 'How' },
      sessions_revoked: {
        kind: 'integer',
        required: false,
        description: 'How many other sessions were signed out',
      },
    },
    mustInclude: [],
  },
  {
    key: 'security-alert-email-changed',
    summary: 'The sign-in email changed; sent to the old address.',
    category: 'security',
    channels: ['email'],
    triggers: ['event:identity.user.email_changed (to old_email)'],
    fields: {
      name,
      occurred_at: occurredAt,
      old_email: { kind: 'string', required: true, description: 'The previous address' },
      new_email: { kind: 'string', required: true, description: 'The new address' },
    },
    mustInclude: [],
  },
  {
    key: 'security-alert-mfa-enrolled',
    summary: 'A second factor was added.',
    category: 'security',
    channels: ['email'],
    triggers: ['event:identity.mfa.enrolled'],
    fields: { name, occurred_at: occurredAt, method: mfaMethod, actor },
    mustInclude: [],
  },
  {
    key: 'security-alert-mfa-removed',
    summary: 'A second factor was removed.',
    category: 'security',
    channels: ['email'],
    triggers: ['event:identity.mfa.removed'],
    fields: { name, occurred_at: occurredAt, method: mfaMethod, actor },
    mustInclude: [],
  },
  {
    key: 'security-alert-user-locked',
    summary: 'The account was locked (failed logins, a security detection, or an admin).',
    category: 'security',
    channels: ['email'],
    triggers: ['event:identity.user.locked'],
    fields: {
      name,
      occurred_at: occurredAt,
      reason: {
        kind: 'enum',
        required: true,
        values: ['too_many_failed_logins', 'security_detection', 'admin'],
        description: 'Why; render with {{> lock-reason}}',
      },
      until: {
        kind: 'datetime',
        required: false,
        description: 'When the lock ends by itself; absent: until unlocked',
      },
    },
    mustInclude: [],
  },
  {
    key: 'security-alert-token-reuse',
    summary: 'A used refresh token was presented again; the session was signed out.',
    category: 'security',
    channels: ['email'],
    triggers: ['event:identity.token.reuse_detected'],
    fields: {
      name,
      occurred_at: occurredAt,
      ip: ip(true),
      user_agent: userAgent(false),
      client_id: { kind: 'string', required: false, description: 'The OAuth client, if any' },
    },
    mustInclude: [],
  },
  {
    key: 'security-alert-security-detected',
    summary: 'A detection rule fired about the account (brute force, credential stuffing, ...).',
    category: 'security',
    channels: ['email'],
    triggers: ['event:audit.security.detected (with user_id)'],
    fields: {
      name,
      occurred_at: occurredAt,
      rule: { kind: 'string', required: true, description: 'The rule; render with {{> detection-rule}}' },
      severity: {
        kind: 'enum',
        required: true,
        values: ['low', 'medium', 'high', 'critical'],
        description: 'How serious; render with {{> severity}}',
      },
      ip: ip(false),
    },
    mustInclude: [],
  },
];

export const templateCatalogue: Readonly<Record<TemplateKey, TemplateDefinition>> = Object.freeze(
  Object.fromEntries(definitions.map((d) => [d.key, d])) as Record<TemplateKey, TemplateDefinition>,
);

/** Names every template context has besides its fields; data cannot set them. */
export const RESERVED_FIELDS = ['product_name'] as const;

type Sample = Record<string, unknown>;

const recipientName = 'Ada Lovelace';

function commandSample(type: keyof typeof commandCatalogue): Sample {
  const example = commandCatalogue[type].examples[0] as { template_data: Sample };
  return { name: recipientName, ...example.template_data };
}

function eventSample(type: keyof typeof eventCatalogue, pick: readonly string[], extra: Sample = {}): Sample {
  const example = eventCatalogue[type].examples[0] as Sample;
  const picked = Object.fromEntries(pick.filter((k) => k in example).map((k) => [k, example[k]]));
  return { name: recipientName, occurred_at: '2026-11-28T17:02:11.123Z', ...picked, ...extra };
}

/**
 * Realistic data for a key, from the contracts' examples: for previews, for override validation,
 * and for the tests. Optional fields are filled so that every branch of a template shows.
 */
export function sampleData(key: TemplateKey): Record<string, unknown> {
  switch (key) {
    case 'email-verification':
      return commandSample('send_email_verification');
    case 'password-reset':
      return commandSample('send_password_reset');
    case 'otp-code':
      return commandSample('send_otp_email');
    case 'magic-link':
      return commandSample('send_magic_link');
    case 'invitation':
      return { ...commandSample('send_invitation'), name: 'Grace Hopper' };
    case 'signup-attempt-existing':
      return commandSample('send_signup_attempt_existing');
    case 'new-device-login':
      return eventSample('identity.login.succeeded', ['ip', 'user_agent', 'client_id'], {
        client_id: 'web-console',
      });
    case 'webhook-failing':
      return eventSample('webhooks.delivery.exhausted', [
        'endpoint_id',
        'url_host',
        'event_id',
        'event_type',
        'attempts',
        'last_status',
      ]);
    case 'security-alert-password-changed':
      return eventSample('identity.password.changed', ['method', 'sessions_revoked']);
    case 'security-alert-email-changed':
      return eventSample('identity.user.email_changed', ['old_email', 'new_email']);
    case 'security-alert-mfa-enrolled':
      return eventSample('identity.mfa.enrolled', ['method', 'actor'], {
        actor: { type: 'user', id: '0193a5e2-6b00-7000-8000-000000000001' },
      });
    case 'security-alert-mfa-removed':
      return eventSample('identity.mfa.removed', ['method', 'actor']);
    case 'security-alert-user-locked':
      return eventSample('identity.user.locked', ['reason', 'until']);
    case 'security-alert-token-reuse':
      return eventSample('identity.token.reuse_detected', ['ip', 'user_agent', 'client_id'], {
        client_id: 'mobile-app',
      });
    case 'security-alert-security-detected':
      return eventSample('audit.security.detected', ['rule', 'severity', 'ip']);
  }
}
