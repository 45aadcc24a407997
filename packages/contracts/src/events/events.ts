// Creating and parsing events: producers create (closed schemas), consumers parse (open schemas).
import type { TObject } from '@sinclair/typebox';
import { ContractError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import { describeErrors, SchemaValidators } from '../validation/ajv.ts';
import { asObject, fail, type ParseResult } from '../validation/result.ts';
import { type EventData, type EventType, eventCatalogue, eventDefinition, isEventType } from './catalogue.ts';
import { renderSubject } from './define.ts';
import {
  CLOUDEVENTS_SPEC_VERSION,
  type CloudEvent,
  dataschemaUrl,
  EnvelopeSchema,
  EVENT_CONTENT_TYPE,
  parseDataschemaUrl,
  SEQUENCE_PATTERN,
  sourceOf,
} from './envelope.ts';

const validators = new SchemaValidators();
const sequencePattern = new RegExp(SEQUENCE_PATTERN);

export interface CreateEventOptions {
  /** Default: the type's subject template filled from `data` (e.g. `user/<user_id>`). */
  subject?: string;
  /** Grows per subject within the producer; numbers must be safe non-negative integers. */
  sequence?: string | number | bigint;
  traceparent?: string;
  /** Default: a new UUIDv7. */
  id?: string;
  /** Default: now. */
  time?: Date;
}

/** The data schema of `type` at `version` (current or a previous one still accepted), if any. */
export function dataSchemaOf(type: EventType, version: number): TObject | undefined {
  const definition = eventDefinition(type);
  if (version === definition.version) return definition.data;
  return definition.previousVersions.find((p) => p.version === version)?.data;
}

/** Validates `data` against a version's schema; `closed` refuses properties the schema does not list. */
export function validateEventData(
  type: EventType,
  version: number,
  data: unknown,
  mode: 'open' | 'closed',
): { ok: true } | { ok: false; reason: string } {
  const schema = dataSchemaOf(type, version);
  if (schema === undefined) return { ok: false, reason: `${type} has no version ${version}` };
  const validate = validators.get(`${type}@${version}`, mode, () => schema);
  return validate(data) ? { ok: true } : { ok: false, reason: describeErrors(validate.errors, '/data') };
}

function normaliseSequence(sequence: string | number | bigint): string {
  const text =
    typeof sequence === 'number' && !Number.isSafeInteger(sequence) ? 'not a safe integer' : String(sequence);
  if (!sequencePattern.test(text)) {
    throw new ContractError(
      'invalid_sequence',
      `sequence must be a non-negative integer as a decimal string, got ${JSON.stringify(String(sequence))}`,
    );
  }
  return text;
}

/**
 * A new event of `type` in its current version, from `data` that is checked against the type's
 * closed schema (no unlisted property can reach a topic). Throws `ContractError` (`unknown_event_type`,
 * `invalid_event_data`, `invalid_sequence`, `invalid_event`).
 */
export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  options: CreateEventOptions = {},
): CloudEvent<T, EventData<T>> {
  if (!isEventType(type))
    throw new ContractError('unknown_event_type', `Unknown event type "${String(type)}".`);
  return buildEvent(type, eventDefinition(type).version, data, options) as CloudEvent<T, EventData<T>>;
}

/**
 * An event of `type` in an older version that is still published during its deprecation period
 * (see docs/events.md, "Versions"); `data` is checked against that version's closed schema.
 */
export function createEventVersion<T extends EventType>(
  type: T,
  version: number,
  data: unknown,
  options: CreateEventOptions = {},
): CloudEvent<T> {
  if (!isEventType(type))
    throw new ContractError('unknown_event_type', `Unknown event type "${String(type)}".`);
  return buildEvent(type, version, data, options);
}

function buildEvent<T extends EventType>(
  type: T,
  version: number,
  data: unknown,
  options: CreateEventOptions,
): CloudEvent<T> {
  const definition = eventDefinition(type);
  const checked = validateEventData(type, version, data, 'closed');
  if (!checked.ok) throw new ContractError('invalid_event_data', `${type}: ${checked.reason}`);

  const subject = options.subject ?? renderSubject(definition.subject, data);
  const event: CloudEvent<T> = {
    specversion: CLOUDEVENTS_SPEC_VERSION,
    id: options.id ?? uuidv7(),
    source: sourceOf(definition.producer),
    type,
    ...(subject === undefined ? {} : { subject }),
    time: (options.time ?? new Date()).toISOString(),
    datacontenttype: EVENT_CONTENT_TYPE,
    dataschema: dataschemaUrl(type, version),
    ...(options.sequence === undefined ? {} : { sequence: normaliseSequence(options.sequence) }),
    ...(options.traceparent === undefined ? {} : { traceparent: options.traceparent }),
    data,
  };
  const validateEnvelope = validators.get('envelope', 'closed', () => EnvelopeSchema);
  if (!validateEnvelope(event)) {
    throw new ContractError('invalid_event', `${type}: ${describeErrors(validateEnvelope.errors)}`);
  }
  return event;
}

/**
 * Checks a received event (an object, or the JSON text of an SQS body): the CloudEvents envelope,
 * a known type from its producer's source, a known `dataschema` version, and the data against that
 * version's schema. Unknown properties are tolerated (forward compatibility); anything else is refused
 * with a `reason` that starts with a stable code.
 */
export function parseEvent(input: unknown): ParseResult<CloudEvent> {
  const object = asObject(input, 'CloudEvent');
  if (!object.ok) return fail(object.code, object.detail);
  const event = object.value;

  const validateEnvelope = validators.get('envelope', 'open', () => EnvelopeSchema);
  if (!validateEnvelope(event)) return fail('invalid_envelope', describeErrors(validateEnvelope.errors));

  const type = event.type as string;
  if (!isEventType(type)) return fail('unknown_type', `"${type}" is not in the event catalogue`);
  const definition = eventDefinition(type);
  if (event.source !== sourceOf(definition.producer)) {
    return fail(
      'invalid_source',
      `${type} comes from ${sourceOf(definition.producer)}, not ${String(event.source)}`,
    );
  }
  const named = parseDataschemaUrl(event.dataschema as string);
  if (named === undefined || named.type !== type) {
    return fail('invalid_dataschema', `${String(event.dataschema)} is not a schema of ${type}`);
  }
  if (dataSchemaOf(type, named.version) === undefined) {
    return fail(
      'unsupported_version',
      `${type} version ${named.version} is not known (current: ${definition.version})`,
    );
  }
  const checked = validateEventData(type, named.version, event.data, 'open');
  if (!checked.ok) return fail('invalid_data', `${type}: ${checked.reason}`);
  return { ok: true, value: event as unknown as CloudEvent };
}

/** The version of an event's data, from its `dataschema`. */
export function versionOf(event: Pick<CloudEvent, 'dataschema'>): number | undefined {
  return parseDataschemaUrl(event.dataschema)?.version;
}

/**
 * Narrows a parsed event to one type in its current version (the shape `EventData<T>` describes).
 * An event of an older, still accepted version is not narrowed.
 */
export function isEventOf<T extends EventType>(
  event: CloudEvent,
  type: T,
): event is CloudEvent<T, EventData<T>> {
  return event.type === type && event.dataschema === dataschemaUrl(type, eventCatalogue[type].version);
}
