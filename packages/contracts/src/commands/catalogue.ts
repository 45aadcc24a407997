// Commands on `notifications-commands` (events.md): sent straight to the encrypted queue by SendMessage,
// read only by notifications. Unlike events they may carry secrets (the link or code to send); the
// paths of those fields are listed in `secretFields` so that logs can redact them.
import { type Static, type TObject, Type } from '@sinclair/typebox';
import { ex } from '../events/example-values.ts';
import {
  DateTime,
  Email,
  IpAddress,
  Locale,
  PhoneNumber,
  StringEnum,
  TimeZone,
  Uuid,
} from '../schema/common.ts';

export interface CommandDefinition<TType extends string = string, S extends TObject = TObject> {
  readonly type: TType;
  readonly summary: string;
  readonly channel: 'email' | 'sms';
  readonly data: S;
  readonly examples: readonly [Static<S>, ...Static<S>[]];
  /** Dot paths inside `data` that hold secrets (e.g. `template_data.link`); redact them in logs. */
  readonly secretFields: readonly string[];
  readonly version: number;
}

function defineCommand<const TType extends `send_${string}`, S extends TObject>(
  type: TType,
  spec: Omit<CommandDefinition<TType, S>, 'type' | 'version'>,
): CommandDefinition<TType, S> {
  return { type, version: 1, ...spec };
}

const EmailRecipient = Type.Object({
  user_id: Type.Optional(Uuid({ description: 'Absent when the address belongs to no user yet' })),
  email: Email(),
  name: Type.Optional(Type.String({ maxLength: 200 })),
});

const SmsRecipient = Type.Object({
  user_id: Type.Optional(Uuid()),
  phone: PhoneNumber(),
});

/** A link that carries its secret as the `token` query parameter (identity.md). */
const SecretLink = () =>
  Type.String({
    format: 'uri',
    pattern: '^https?://',
    maxLength: 2048,
    description: 'Secret: redact in logs',
  });
const OneTimeCode = () =>
  Type.String({ pattern: '^[0-9]{4,10}$', description: 'Secret one-time code: redact in logs' });
const ExpiresAt = () => DateTime({ description: 'When the link or code stops working' });

const routing = {
  locale: Locale({ description: 'Preferred locale; notifications falls back pt-BR → pt → en' }),
  timezone: Type.Optional(TimeZone({ description: "For times in the message; default the recipient's" })),
};

const email = { user_id: ex.userId, email: 'ada@example.com', name: 'Ada Lovelace' };
const expires = '2026-11-29T17:02:11.123Z';

export const commandDefinitions = [
  defineCommand('send_email_verification', {
    summary: 'Email the link that verifies an address (after sign-up, or to confirm an email change).',
    channel: 'email',
    secretFields: ['template_data.link'],
    data: Type.Object({
      recipient: EmailRecipient,
      ...routing,
      template_data: Type.Object({
        link: SecretLink(),
        expires_at: ExpiresAt(),
        purpose: StringEnum(['signup', 'email_change'] as const),
      }),
    }),
    examples: [
      {
        recipient: email,
        locale: 'en',
        timezone: 'Europe/London',
        template_data: {
          link: 'https://id.example.com/verify-email?token=q2V8xF0rJ7yT1mN4pL6sK9dH3gA5wE8c',
          expires_at: expires,
          purpose: 'signup',
        },
      },
    ],
  }),
  defineCommand('send_password_reset', {
    summary: 'Email a password-reset link (30 minutes, single use).',
    channel: 'email',
    secretFields: ['template_data.link'],
    data: Type.Object({
      recipient: EmailRecipient,
      ...routing,
      template_data: Type.Object({ link: SecretLink(), expires_at: ExpiresAt() }),
    }),
    examples: [
      {
        recipient: email,
        locale: 'pt-BR',
        template_data: {
          link: 'https://id.example.com/reset-password?token=Zk3pQ8vX1cR6tY9uB2nM5wE7aS4dF0gH',
          expires_at: '2026-11-28T17:32:11.123Z',
        },
      },
    ],
  }),
  defineCommand('send_otp_sms', {
    summary: 'Text a one-time code (MFA login or phone enrolment).',
    channel: 'sms',
    secretFields: ['template_data.code'],
    data: Type.Object({
      recipient: SmsRecipient,
      ...routing,
      template_data: Type.Object({
        code: OneTimeCode(),
        expires_at: ExpiresAt(),
        purpose: StringEnum(['login', 'enrollment'] as const),
      }),
    }),
    examples: [
      {
        recipient: { user_id: ex.userId, phone: '+447700900123' },
        locale: 'en',
        template_data: { code: '493817', expires_at: '2026-11-28T17:07:11.123Z', purpose: 'login' },
      },
    ],
  }),
  defineCommand('send_otp_email', {
    summary: 'Email a one-time code (MFA login or email-factor enrolment).',
    channel: 'email',
    secretFields: ['template_data.code'],
    data: Type.Object({
      recipient: EmailRecipient,
      ...routing,
      template_data: Type.Object({
        code: OneTimeCode(),
        expires_at: ExpiresAt(),
        purpose: StringEnum(['login', 'enrollment'] as const),
      }),
    }),
    examples: [
      {
        recipient: email,
        locale: 'es',
        template_data: { code: '205913', expires_at: '2026-11-28T17:07:11.123Z', purpose: 'enrollment' },
      },
    ],
  }),
  defineCommand('send_magic_link', {
    summary: 'Email a sign-in link.',
    channel: 'email',
    secretFields: ['template_data.link'],
    data: Type.Object({
      recipient: EmailRecipient,
      ...routing,
      template_data: Type.Object({ link: SecretLink(), expires_at: ExpiresAt() }),
    }),
    examples: [
      {
        recipient: email,
        locale: 'en',
        template_data: {
          link: 'https://id.example.com/magic-link?token=mB7vC4xZ1aS8dF5gH2jK9lP6oI3uY0tR',
          expires_at: '2026-11-28T17:17:11.123Z',
        },
      },
    ],
  }),
  defineCommand('send_invitation', {
    summary: 'Email an invitation with a set-password link (admin-created accounts).',
    channel: 'email',
    secretFields: ['template_data.link'],
    data: Type.Object({
      recipient: EmailRecipient,
      ...routing,
      template_data: Type.Object({
        link: SecretLink(),
        expires_at: ExpiresAt(),
        inviter_name: Type.Optional(Type.String({ maxLength: 200 })),
      }),
    }),
    examples: [
      {
        recipient: { user_id: ex.otherUserId, email: 'grace@example.com' },
        locale: 'en',
        template_data: {
          link: 'https://id.example.com/accept-invitation?token=Hq8wE5rT2yU9iO6pA3sD0fG7hJ4kL1zX',
          expires_at: '2026-12-05T17:02:11.123Z',
          inviter_name: 'Ada Lovelace',
        },
      },
    ],
  }),
  defineCommand('send_signup_attempt_existing', {
    summary:
      'Tell the owner of an address that someone tried to sign up with it (sign-up answers the same either way).',
    channel: 'email',
    secretFields: [],
    data: Type.Object({
      recipient: EmailRecipient,
      ...routing,
      template_data: Type.Object({
        attempted_at: DateTime(),
        ip: Type.Optional(IpAddress()),
      }),
    }),
    examples: [
      {
        recipient: email,
        locale: 'en',
        template_data: { attempted_at: '2026-11-28T17:02:11.123Z', ip: ex.ip },
      },
    ],
  }),
] as const;

type Definition = (typeof commandDefinitions)[number];

/** Every command type notifications accepts on `notifications-commands`. */
export type CommandType = Definition['type'];

export type CommandDefinitionOf<T extends CommandType> = Extract<Definition, { type: T }>;

export type CommandData<T extends CommandType> = Static<CommandDefinitionOf<T>['data']>;

export const commandTypes: readonly CommandType[] = commandDefinitions.map((d) => d.type);

export const commandCatalogue = Object.freeze(
  Object.fromEntries(commandDefinitions.map((d) => [d.type, d])) as {
    readonly [T in CommandType]: CommandDefinitionOf<T>;
  },
);

/** Per command type, the dot paths inside `data` that hold secrets. */
export const secretFields = Object.freeze(
  Object.fromEntries(commandDefinitions.map((d) => [d.type, d.secretFields])) as Record<
    CommandType,
    readonly string[]
  >,
);

export function isCommandType(value: unknown): value is CommandType {
  return typeof value === 'string' && Object.hasOwn(commandCatalogue, value);
}
