// Building blocks shared by the event and command schemas. Every schema is authored once with
// TypeBox; the TypeScript types come from `Static<>` and the JSON Schemas are the same objects.
import { type SchemaOptions, type TUnsafe, Type } from '@sinclair/typebox';
import { UUID_V7_PATTERN } from '../ids.ts';

/** A string that is one of `values`, emitted as a plain JSON Schema `enum` (no TypeScript enum). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

export const Uuid = (options: SchemaOptions = {}) => Type.String({ format: 'uuid', ...options });

/** Ids the platform mints are UUIDv7. */
export const UuidV7 = (options: SchemaOptions = {}) =>
  Type.String({ pattern: UUID_V7_PATTERN, description: 'UUIDv7', ...options });

export const Email = (options: SchemaOptions = {}) =>
  Type.String({ format: 'email', maxLength: 254, ...options });

/** RFC 3339 date-time. */
export const DateTime = (options: SchemaOptions = {}) => Type.String({ format: 'date-time', ...options });

export const IpAddress = (options: SchemaOptions = {}) =>
  Type.Union([Type.String({ format: 'ipv4' }), Type.String({ format: 'ipv6' })], {
    description: 'Client IP address (IPv4 or IPv6)',
    ...options,
  });

export const UserAgent = (options: SchemaOptions = {}) =>
  Type.String({ maxLength: 512, description: 'User-Agent header, truncated to 512 characters', ...options });

/** BCP 47 language tag as the platform uses them (`en`, `pt-BR`, `es`). */
export const Locale = (options: SchemaOptions = {}) =>
  Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35, ...options });

/** IANA time zone name (`Europe/Lisbon`, `America/Sao_Paulo`, `UTC`). */
export const TimeZone = (options: SchemaOptions = {}) =>
  Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+)*$', maxLength: 64, ...options });

/** E.164 phone number. */
export const PhoneNumber = (options: SchemaOptions = {}) =>
  Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', ...options });

/** An authz subject: `user:<id>`, `client:<id>` or `group:<id>`. */
export const AuthzSubject = (options: SchemaOptions = {}) =>
  Type.String({ pattern: '^(user|client|group):[A-Za-z0-9._@-]+$', maxLength: 200, ...options });

/** A resource written `type:id` (`project:42`, `document:9`). */
export const Resource = (options: SchemaOptions = {}) =>
  Type.String({ pattern: '^[a-z][a-z0-9_-]*:[^\\s]+$', maxLength: 300, ...options });

/** A permission `<resource_type>:<action>` with wildcards (`documents:read`, `documents:*`, `*`). */
export const Permission = (options: SchemaOptions = {}) =>
  Type.String({ pattern: '^(\\*|[a-z][a-z0-9_-]*:(\\*|[a-z][a-z0-9_-]*))$', maxLength: 200, ...options });

export const RoleName = (options: SchemaOptions = {}) =>
  Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]*$', maxLength: 100, ...options });

export const ACTOR_TYPES = ['user', 'client', 'admin', 'system'] as const;

/** Who did it. `id` is the user or client id; `system` actors have none. */
export const Actor = (options: SchemaOptions = {}) =>
  Type.Object(
    {
      type: StringEnum(ACTOR_TYPES),
      id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    },
    { description: 'Who did it (user, client, admin, system)', ...options },
  );

/** A host name without scheme, path or query: never a whole URL. */
export const Host = (options: SchemaOptions = {}) =>
  Type.String({ pattern: '^[A-Za-z0-9.\\-\\[\\]:]+$', maxLength: 260, ...options });
