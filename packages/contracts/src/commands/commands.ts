// Creating, parsing and redacting commands for `notifications-commands`.
import { Type } from '@sinclair/typebox';
import { ContractError } from '../errors.ts';
import { TRACEPARENT_PATTERN } from '../events/envelope.ts';
import { UUID_V7_PATTERN, uuidv7 } from '../ids.ts';
import { DateTime } from '../schema/common.ts';
import { describeErrors, SchemaValidators } from '../validation/ajv.ts';
import { asObject, fail, type ParseResult } from '../validation/result.ts';
import {
  type CommandData,
  type CommandType,
  commandCatalogue,
  commandTypes,
  isCommandType,
} from './catalogue.ts';

/** A command as it travels on `notifications-commands` (the SQS message body, JSON). */
export interface Command<TType extends string = string, TData = unknown> {
  /** UUIDv7. */
  id: string;
  type: TType;
  /** RFC 3339. */
  time: string;
  /** The sender's key: notifications sends one message per key, whatever the redeliveries. */
  idempotency_key: string;
  traceparent?: string;
  data: TData;
}

export const CommandEnvelopeSchema = Type.Object(
  {
    id: Type.String({ pattern: UUID_V7_PATTERN }),
    type: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
    time: DateTime(),
    idempotency_key: Type.String({ minLength: 1, maxLength: 255 }),
    traceparent: Type.Optional(Type.String({ pattern: TRACEPARENT_PATTERN })),
    data: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

const validators = new SchemaValidators();

export interface CreateCommandOptions {
  idempotencyKey: string;
  traceparent?: string;
  /** Default: a new UUIDv7. */
  id?: string;
  /** Default: now. */
  time?: Date;
}

/** Validates command data; `closed` refuses properties the schema does not list. */
export function validateCommandData(
  type: CommandType,
  data: unknown,
  mode: 'open' | 'closed',
): { ok: true } | { ok: false; reason: string } {
  const validate = validators.get(type, mode, () => commandCatalogue[type].data);
  return validate(data) ? { ok: true } : { ok: false, reason: describeErrors(validate.errors, '/data') };
}

/**
 * A new command, checked against the closed schema of its type. Throws `ContractError`
 * (`unknown_command_type`, `invalid_command`).
 */
export function createCommand<T extends CommandType>(
  type: T,
  data: CommandData<T>,
  options: CreateCommandOptions,
): Command<T, CommandData<T>> {
  if (!isCommandType(type)) {
    throw new ContractError('unknown_command_type', `Unknown command type "${String(type)}".`);
  }
  const checked = validateCommandData(type, data, 'closed');
  if (!checked.ok) throw new ContractError('invalid_command', `${type}: ${checked.reason}`);
  const command: Command<T, CommandData<T>> = {
    id: options.id ?? uuidv7(),
    type,
    time: (options.time ?? new Date()).toISOString(),
    idempotency_key: options.idempotencyKey,
    ...(options.traceparent === undefined ? {} : { traceparent: options.traceparent }),
    data,
  };
  const validateEnvelope = validators.get('envelope', 'closed', () => CommandEnvelopeSchema);
  if (!validateEnvelope(command)) {
    throw new ContractError('invalid_command', `${type}: ${describeErrors(validateEnvelope.errors)}`);
  }
  return command;
}

/** Checks a received command (object or JSON text): envelope, known type, data (unknown properties tolerated). */
export function parseCommand(input: unknown): ParseResult<Command> {
  const object = asObject(input, 'command');
  if (!object.ok) return fail(object.code, object.detail);
  const command = object.value;
  const validateEnvelope = validators.get('envelope', 'open', () => CommandEnvelopeSchema);
  if (!validateEnvelope(command)) return fail('invalid_envelope', describeErrors(validateEnvelope.errors));
  const type = command.type as string;
  if (!isCommandType(type)) {
    return fail('unknown_type', `"${type}" is not a command (known: ${commandTypes.join(', ')})`);
  }
  const checked = validateCommandData(type, command.data, 'open');
  if (!checked.ok) return fail('invalid_data', `${type}: ${checked.reason}`);
  return { ok: true, value: command as unknown as Command };
}

export function isCommandOf<T extends CommandType>(
  command: Command,
  type: T,
): command is Command<T, CommandData<T>> {
  return command.type === type;
}

export const REDACTED = '[REDACTED]';

/**
 * A deep copy of a command with its secret fields (`secretFields` of its type) replaced by
 * `[REDACTED]`, for logs and dead-letter listings. Unknown types keep their envelope and lose `data`.
 */
export function redactCommand<C extends Pick<Command, 'type' | 'data'>>(command: C): C {
  const copy = structuredClone(command);
  if (!isCommandType(command.type)) {
    (copy as { data: unknown }).data = REDACTED;
    return copy;
  }
  for (const path of commandCatalogue[command.type].secretFields) {
    const keys = path.split('.');
    let node: unknown = copy.data;
    for (const key of keys.slice(0, -1)) {
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
    const last = keys.at(-1);
    if (last !== undefined && typeof node === 'object' && node !== null && Object.hasOwn(node, last)) {
      (node as Record<string, unknown>)[last] = REDACTED;
    }
  }
  return copy;
}
