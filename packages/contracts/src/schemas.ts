// The contracts as plain JSON Schemas (draft-07) for teams outside this repo, and full example events.
import { type CommandType, commandCatalogue, commandTypes } from './commands/catalogue.ts';
import { type Command, CommandEnvelopeSchema } from './commands/commands.ts';
import { type EventType, eventCatalogue, eventTypes } from './events/catalogue.ts';
import { renderSubject } from './events/define.ts';
import {
  CLOUDEVENTS_SPEC_VERSION,
  type CloudEvent,
  dataschemaUrl,
  EnvelopeSchema,
  EVENT_CONTENT_TYPE,
  SCHEMA_BASE_URL,
  sourceOf,
} from './events/envelope.ts';
import { ex } from './events/example-values.ts';
import { deterministicUuidv7 } from './ids.ts';
import { JSON_SCHEMA_DIALECT, type JsonSchema, toJsonSchema } from './validation/ajv.ts';

export type { JsonSchema } from './validation/ajv.ts';

/** The URL of the JSON Schema of a whole CloudEvent of `type` (envelope and data). */
export function eventSchemaUrl(type: string, version: number): string {
  return `${SCHEMA_BASE_URL}/${type}/${version}/cloudevent.json`;
}

/** The CloudEvents envelope of every event (data: any object). */
export const envelopeSchema: JsonSchema = {
  $schema: JSON_SCHEMA_DIALECT,
  $id: `${SCHEMA_BASE_URL}/cloudevent/1.json`,
  title: 'Authplatform CloudEvent envelope',
  ...toJsonSchema(EnvelopeSchema),
};

/** The schema of `data` of one type at one version; `$id` is the event's `dataschema`. */
export function dataJsonSchema(type: EventType, version: number = eventCatalogue[type].version): JsonSchema {
  const definition = eventCatalogue[type];
  const previous = definition.previousVersions.find((p) => p.version === version);
  if (version !== definition.version && previous === undefined) {
    throw new RangeError(`${type} has no version ${version}`);
  }
  const schema = version === definition.version ? definition.data : (previous?.data ?? definition.data);
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: dataschemaUrl(type, version),
    title: `${type} data, version ${version}`,
    description: definition.summary,
    ...toJsonSchema(schema),
  };
}

/** The schema of a whole event of `type` in its current version: envelope with fixed type/source/dataschema. */
export function eventJsonSchema(type: EventType): JsonSchema {
  const definition = eventCatalogue[type];
  const envelope = toJsonSchema(EnvelopeSchema);
  const data = dataJsonSchema(type);
  delete data.$schema;
  delete data.$id;
  const properties = envelope.properties as Record<string, JsonSchema>;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: eventSchemaUrl(type, definition.version),
    title: type,
    description: definition.summary,
    ...envelope,
    properties: {
      ...properties,
      source: { type: 'string', const: sourceOf(definition.producer) },
      type: { type: 'string', const: type },
      dataschema: { type: 'string', const: dataschemaUrl(type, definition.version) },
      data,
    },
  };
}

function mapTypes<K extends string>(keys: readonly K[], make: (key: K) => JsonSchema): Record<K, JsonSchema> {
  return Object.freeze(Object.fromEntries(keys.map((k) => [k, make(k)]))) as Record<K, JsonSchema>;
}

/** Event type → JSON Schema of the whole CloudEvent (what arrives in an SQS body), current version. */
export const schemas: Readonly<Record<EventType, JsonSchema>> = mapTypes(eventTypes, eventJsonSchema);

/** Event type → JSON Schema of its `data`, current version (the document `dataschema` names). */
export const dataSchemas: Readonly<Record<EventType, JsonSchema>> = mapTypes(eventTypes, (t) =>
  dataJsonSchema(t),
);

/** Command type → JSON Schema of the whole command (SQS body on `notifications-commands`). */
export const commandSchemas: Readonly<Record<CommandType, JsonSchema>> = mapTypes(commandTypes, (type) => {
  const definition = commandCatalogue[type];
  const envelope = toJsonSchema(CommandEnvelopeSchema);
  const properties = envelope.properties as Record<string, JsonSchema>;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `${SCHEMA_BASE_URL}/commands/${type}/${definition.version}.json`,
    title: type,
    description: definition.summary,
    ...envelope,
    properties: { ...properties, type: { type: 'string', const: type }, data: toJsonSchema(definition.data) },
  };
});

/** Time of every example event and command. */
export const EXAMPLE_TIME = new Date(ex.time);
export const EXAMPLE_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/**
 * The catalogue's examples of `type` as whole events, deterministic (the same on every call), for
 * docs, the AsyncAPI document and tests. Built without validation: tests check them.
 */
export function exampleEvents<T extends EventType>(type: T): CloudEvent<T>[] {
  const definition = eventCatalogue[type];
  return definition.examples.map((data, index) => {
    const subject = renderSubject(definition.subject, data);
    return {
      specversion: CLOUDEVENTS_SPEC_VERSION,
      id: deterministicUuidv7(EXAMPLE_TIME, `${type}#${index}`),
      source: sourceOf(definition.producer),
      type,
      ...(subject === undefined ? {} : { subject }),
      time: EXAMPLE_TIME.toISOString(),
      datacontenttype: EVENT_CONTENT_TYPE,
      dataschema: dataschemaUrl(type, definition.version),
      sequence: String(index + 1),
      traceparent: EXAMPLE_TRACEPARENT,
      data,
    };
  });
}

/** The catalogue's examples of a command type as whole commands, deterministic. */
export function exampleCommands<T extends CommandType>(type: T): Command<T>[] {
  return commandCatalogue[type].examples.map((data, index) => ({
    id: deterministicUuidv7(EXAMPLE_TIME, `${type}#${index}`),
    type,
    time: EXAMPLE_TIME.toISOString(),
    idempotency_key: `${type}:${ex.userId}:${index + 1}`,
    traceparent: EXAMPLE_TRACEPARENT,
    data,
  }));
}
