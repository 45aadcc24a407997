// The CloudEvents 1.0 envelope in JSON structured mode (events.md, "Envelope").
import { Type } from '@sinclair/typebox';
import { UUID_V7_PATTERN } from '../ids.ts';
import { DateTime } from '../schema/common.ts';
import { SERVICE_NAMES } from '../services.ts';

export const SCHEMA_BASE_URL = 'https://schemas.authplatform.dev';
export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const EVENT_CONTENT_TYPE = 'application/json';
/** Content type of a whole event in structured mode (e.g. an HTTP body, the AsyncAPI document). */
export const CLOUDEVENTS_JSON_CONTENT_TYPE = 'application/cloudevents+json';

export const EVENT_TYPE_PATTERN = '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$';
export const SEQUENCE_PATTERN = '^(0|[1-9][0-9]{0,39})$';
export const TRACEPARENT_PATTERN = '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';
const DATASCHEMA_PATTERN = '^https://schemas\\.authplatform\\.dev/[a-z0-9_.]+/[1-9][0-9]*\\.json$';

/** Attribute names of the envelope; any other attribute is a CloudEvents extension. */
export const ENVELOPE_ATTRIBUTES = [
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'dataschema',
  'sequence',
  'traceparent',
  'data',
] as const;

/**
 * CloudEvents extension attributes a consumer must tolerate (lower-case alphanumeric names of at
 * most 20 characters, scalar values); our producers add none besides `sequence` and `traceparent`.
 */
const EXTENSION_NAME = `^(?!(${[...ENVELOPE_ATTRIBUTES, 'data_base64'].join('|')})$)[a-z0-9]{1,20}$`;

export const EnvelopeSchema = Type.Object(
  {
    specversion: Type.Literal(CLOUDEVENTS_SPEC_VERSION),
    id: Type.String({ pattern: UUID_V7_PATTERN, description: 'UUIDv7; the deduplication key everywhere' }),
    source: Type.String({
      pattern: `^/services/(${SERVICE_NAMES.join('|')})$`,
      description: 'The producing service, `/services/<name>`',
    }),
    type: Type.String({
      pattern: EVENT_TYPE_PATTERN,
      description: '`<producer>.<entity>.<past-tense fact>`',
    }),
    subject: Type.Optional(
      Type.String({ minLength: 1, maxLength: 300, description: 'What the event is about, e.g. `user/<id>`' }),
    ),
    time: DateTime({ description: 'When it happened (RFC 3339, UTC)' }),
    datacontenttype: Type.Literal(EVENT_CONTENT_TYPE),
    dataschema: Type.String({
      format: 'uri',
      pattern: DATASCHEMA_PATTERN,
      description: 'The JSON Schema of `data`: `https://schemas.authplatform.dev/<type>/<version>.json`',
    }),
    sequence: Type.Optional(
      Type.String({
        pattern: SEQUENCE_PATTERN,
        description: 'Decimal string that grows per subject within the producer',
      }),
    ),
    traceparent: Type.Optional(
      Type.String({
        pattern: TRACEPARENT_PATTERN,
        description: 'W3C trace context of the producing request',
      }),
    ),
    data: Type.Object(
      {},
      {
        additionalProperties: true,
        description: 'The facts; schema per type and version (see `dataschema`)',
      },
    ),
  },
  {
    additionalProperties: false,
    patternProperties: { [EXTENSION_NAME]: { type: ['string', 'number', 'boolean'] } },
  },
);

/** A CloudEvent as it travels on the topics (JSON structured mode). */
export interface CloudEvent<TType extends string = string, TData = unknown> {
  specversion: '1.0';
  /** UUIDv7. */
  id: string;
  /** `/services/<producer>`. */
  source: string;
  type: TType;
  subject?: string;
  /** RFC 3339. */
  time: string;
  datacontenttype: 'application/json';
  /** `https://schemas.authplatform.dev/<type>/<version>.json`. */
  dataschema: string;
  /** Decimal string, grows per subject per producer. */
  sequence?: string;
  /** W3C traceparent. */
  traceparent?: string;
  data: TData;
}

export function dataschemaUrl(type: string, version: number): string {
  return `${SCHEMA_BASE_URL}/${type}/${version}.json`;
}

/** Type and version named by a `dataschema` URL, or undefined when it is not one of ours. */
export function parseDataschemaUrl(url: string): { type: string; version: number } | undefined {
  const match = /^https:\/\/schemas\.authplatform\.dev\/([a-z0-9_.]+)\/([1-9][0-9]*)\.json$/.exec(url);
  if (!match?.[1] || !match[2]) return undefined;
  return { type: match[1], version: Number(match[2]) };
}

export function sourceOf(producer: string): string {
  return `/services/${producer}`;
}
