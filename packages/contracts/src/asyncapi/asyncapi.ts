// The AsyncAPI 3.0 document of the event backbone, generated from the catalogue and the topology.
// `src/scripts/generate-docs.ts` writes it to docs/asyncapi.yaml; a test keeps the file current.
import { commandCatalogue, commandTypes } from '../commands/catalogue.ts';
import { CommandEnvelopeSchema } from '../commands/commands.ts';
import { eventCatalogue, eventTypes } from '../events/catalogue.ts';
import { CLOUDEVENTS_JSON_CONTENT_TYPE, dataschemaUrl, sourceOf } from '../events/envelope.ts';
import {
  dataJsonSchema,
  envelopeSchema,
  exampleCommands,
  exampleEvents,
  type JsonSchema,
} from '../schemas.ts';
import { SERVICE_NAMES } from '../services.ts';
import {
  consumersOf,
  filterPolicyOf,
  handledEvents,
  topology as platformTopology,
  type Topology,
} from '../topology/topology.ts';
import { toJsonSchema } from '../validation/ajv.ts';

export const ASYNCAPI_VERSION = '3.0.0';
const SNS_BINDING_VERSION = '0.1.0';
const SQS_BINDING_VERSION = '0.2.0';
const DLQ_RETENTION_SEC = 1_209_600;

export interface AsyncApiOptions {
  /** Default: the platform's topology. */
  topology?: Topology;
  /** The document's own version (info.version). */
  version?: string;
}

type Doc = { [key: string]: unknown };

const ref = (path: string) => ({ $ref: path });
const physical = (id: string) => `{env}-${id}`;

/** A schema for the AsyncAPI components: the JSON Schema without its `$schema`/`$id`. */
function componentSchema(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

function messageAttributes(type: string): JsonSchema {
  return {
    type: 'object',
    description: 'SNS/SQS message attributes (raw delivery copies them to the SQS message)',
    required: ['type'],
    properties: {
      type: { type: 'string', const: type, description: 'The CloudEvents type; subscription filters use it' },
      traceparent: { type: 'string', description: 'Copy of the event traceparent' },
    },
  };
}

/** The AsyncAPI 3.0 document as a plain object (serialise it as YAML or JSON). */
export function buildAsyncApi(options: AsyncApiOptions = {}): Doc {
  const topology = options.topology ?? platformTopology;
  const channels: Doc = {};
  const operations: Doc = {};
  const messages: Doc = {};
  const componentSchemas: Doc = {};

  componentSchemas.CloudEvent = componentSchema(envelopeSchema);
  componentSchemas.Command = componentSchema(toJsonSchema(CommandEnvelopeSchema));
  for (const type of eventTypes) {
    const definition = eventCatalogue[type];
    componentSchemas[`${type}.data`] = componentSchema(dataJsonSchema(type));
    componentSchemas[type] = {
      title: type,
      allOf: [
        ref('#/components/schemas/CloudEvent'),
        {
          type: 'object',
          properties: {
            source: { type: 'string', const: sourceOf(definition.producer) },
            type: { type: 'string', const: type },
            dataschema: { type: 'string', const: dataschemaUrl(type, definition.version) },
            data: ref(`#/components/schemas/${type}.data`),
          },
        },
      ],
    };
    messages[type] = {
      name: type,
      title: type,
      summary: definition.summary,
      contentType: CLOUDEVENTS_JSON_CONTENT_TYPE,
      headers: messageAttributes(type),
      payload: ref(`#/components/schemas/${type}`),
      tags: [{ name: definition.producer }, ...(definition.internal ? [{ name: 'internal' }] : [])],
      'x-dataschema': dataschemaUrl(type, definition.version),
      'x-internal': definition.internal,
      'x-consumers': consumersOf(type, handledEvents),
      examples: exampleEvents(type).map((event, index) => ({
        name: `example${index + 1}`,
        headers: { type, traceparent: event.traceparent },
        payload: event,
      })),
    };
  }
  for (const type of commandTypes) {
    const definition = commandCatalogue[type];
    componentSchemas[`${type}.data`] = { title: `${type} data`, ...toJsonSchema(definition.data) };
    componentSchemas[type] = {
      title: type,
      allOf: [
        ref('#/components/schemas/Command'),
        {
          type: 'object',
          properties: {
            type: { type: 'string', const: type },
            data: ref(`#/components/schemas/${type}.data`),
          },
        },
      ],
    };
    messages[type] = {
      name: type,
      title: type,
      summary: definition.summary,
      description: `Secret fields (redact in logs): ${definition.secretFields.map((f) => `data.${f}`).join(', ') || 'none'}.`,
      contentType: 'application/json',
      payload: ref(`#/components/schemas/${type}`),
      tags: [{ name: 'command' }, { name: 'internal' }],
      'x-secret-fields': definition.secretFields.map((f) => `data.${f}`),
      examples: exampleCommands(type).map((command, index) => ({
        name: `example${index + 1}`,
        payload: command,
      })),
    };
  }

  // Provider feedback (SES events of notifications' configuration set): the provider's own JSON.
  const feedbackTopics = new Set(
    topology.topics.filter((t) => t.kind === 'provider-feedback').map((t) => t.id),
  );
  if (feedbackTopics.size > 0) {
    messages['ses-event'] = {
      name: 'ses-event',
      title: 'SES event notification',
      summary:
        'An Amazon SES event of the configuration set (Send, Delivery, Bounce, Complaint, Reject, ...), as SES publishes it to SNS; not a CloudEvent.',
      contentType: 'application/json',
      payload: {
        type: 'object',
        required: ['eventType', 'mail'],
        properties: {
          eventType: { type: 'string', examples: ['Delivery', 'Bounce', 'Complaint'] },
          mail: { type: 'object', properties: { messageId: { type: 'string' } } },
        },
        externalDocs: {
          url: 'https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html',
        },
      },
      tags: [{ name: 'provider-feedback' }, { name: 'internal' }],
    };
  }
  for (const topic of topology.topics) {
    if (topic.kind === 'provider-feedback') {
      channels[topic.id] = {
        address: physical(topic.id),
        title: topic.id,
        description: `SNS topic where the SES configuration set of ${topic.producer} publishes its delivery, bounce and complaint events (an SES event destination).`,
        servers: [ref('#/servers/sns')],
        parameters: { env: ref('#/components/parameters/env') },
        messages: { 'ses-event': ref('#/components/messages/ses-event') },
        bindings: {
          sns: {
            name: physical(topic.id),
            ordering: { type: 'standard' },
            bindingVersion: SNS_BINDING_VERSION,
          },
        },
      };
      continue;
    }
    const types = eventTypes.filter((t) => eventCatalogue[t].producer === topic.producer);
    channels[topic.id] = {
      address: physical(topic.id),
      title: topic.id,
      description: `Standard SNS topic of ${topic.producer}: every event type ${topic.producer} publishes.`,
      servers: [ref('#/servers/sns')],
      parameters: { env: ref('#/components/parameters/env') },
      messages: Object.fromEntries(types.map((t) => [t, ref(`#/components/messages/${t}`)])),
      bindings: {
        sns: {
          name: physical(topic.id),
          ordering: { type: 'standard' },
          bindingVersion: SNS_BINDING_VERSION,
        },
      },
    };
    const consumers = topology.subscriptions
      .filter((s) => s.topic === topic.id)
      .map((s) => ({
        protocol: 'sqs',
        endpoint: { name: physical(s.queue) },
        filterPolicy: filterPolicyOf(s),
        filterPolicyScope: 'MessageAttributes',
        rawMessageDelivery: true,
      }));
    operations[`publish-${topic.id}`] = {
      action: 'send',
      title: `${topic.producer} publishes`,
      summary: `${topic.producer} publishes its events (transactional outbox, PublishBatch) with the message attribute \`type\`.`,
      channel: ref(`#/channels/${topic.id}`),
      messages: types.map((t) => ref(`#/channels/${topic.id}/messages/${t}`)),
      ...(consumers.length === 0
        ? {}
        : { bindings: { sns: { consumers, bindingVersion: SNS_BINDING_VERSION } } }),
    };
  }

  for (const queue of topology.queues) {
    if (queue.kind === 'provider-feedback') {
      channels[queue.id] = {
        address: physical(queue.id),
        title: queue.id,
        description: `SQS queue of ${queue.consumer}: raw, unfiltered delivery from the provider-feedback topic (SES events).`,
        servers: [ref('#/servers/sqs')],
        parameters: { env: ref('#/components/parameters/env') },
        messages: { 'ses-event': ref('#/components/messages/ses-event') },
        bindings: {
          sqs: {
            queue: {
              name: physical(queue.id),
              fifoQueue: false,
              visibilityTimeout: queue.visibilityTimeoutSec,
              redrivePolicy: {
                deadLetterQueue: { name: physical(queue.deadLetter.id) },
                maxReceiveCount: queue.deadLetter.maxReceiveCount,
              },
            },
            deadLetterQueue: {
              name: physical(queue.deadLetter.id),
              fifoQueue: false,
              messageRetentionPeriod: DLQ_RETENTION_SEC,
            },
            bindingVersion: SQS_BINDING_VERSION,
          },
        },
      };
      const sources = topology.subscriptions.filter((s) => s.queue === queue.id).map((s) => s.topic);
      for (const source of sources) {
        if (!feedbackTopics.has(source)) continue;
        operations[`publish-${source}`] = {
          action: 'send',
          title: 'SES publishes',
          summary: 'Amazon SES publishes the events of the configuration set (no message attributes).',
          channel: ref(`#/channels/${source}`),
          messages: [ref(`#/channels/${source}/messages/ses-event`)],
          bindings: {
            sns: {
              consumers: [
                {
                  protocol: 'sqs',
                  endpoint: { name: physical(queue.id) },
                  filterPolicy: {},
                  filterPolicyScope: 'MessageAttributes',
                  rawMessageDelivery: true,
                },
              ],
              bindingVersion: SNS_BINDING_VERSION,
            },
          },
        };
      }
      operations[`receive-${queue.id}`] = {
        action: 'receive',
        title: `${queue.consumer} receives`,
        summary: `${queue.consumer} updates the status of its messages from the SES events; failures retry, then go to the DLQ.`,
        channel: ref(`#/channels/${queue.id}`),
        messages: [ref(`#/channels/${queue.id}/messages/ses-event`)],
      };
      continue;
    }
    const types =
      queue.kind === 'commands'
        ? [...commandTypes]
        : topology.subscriptions.filter((s) => s.queue === queue.id).flatMap((s) => s.types);
    channels[queue.id] = {
      address: physical(queue.id),
      title: queue.id,
      description:
        queue.kind === 'commands'
          ? 'SQS queue (server-side encryption) of commands to notifications, sent by SendMessage; may carry secrets.'
          : `SQS inbox of ${queue.consumer}: raw delivery from the topics, filtered to the types it handles.`,
      servers: [ref('#/servers/sqs')],
      parameters: { env: ref('#/components/parameters/env') },
      messages: Object.fromEntries(types.map((t) => [t, ref(`#/components/messages/${t}`)])),
      bindings: {
        sqs: {
          queue: {
            name: physical(queue.id),
            fifoQueue: false,
            visibilityTimeout: queue.visibilityTimeoutSec,
            redrivePolicy: {
              deadLetterQueue: { name: physical(queue.deadLetter.id) },
              maxReceiveCount: queue.deadLetter.maxReceiveCount,
            },
          },
          deadLetterQueue: {
            name: physical(queue.deadLetter.id),
            fifoQueue: false,
            messageRetentionPeriod: DLQ_RETENTION_SEC,
          },
          bindingVersion: SQS_BINDING_VERSION,
        },
      },
    };
    operations[`receive-${queue.id}`] = {
      action: 'receive',
      title: `${queue.consumer} receives`,
      summary:
        queue.kind === 'commands'
          ? 'notifications sends one message per idempotency key.'
          : `${queue.consumer} handles each event once (inbox keyed by event id); failures retry, then go to the DLQ.`,
      channel: ref(`#/channels/${queue.id}`),
      messages: types.map((t) => ref(`#/channels/${queue.id}/messages/${t}`)),
    };
    if (queue.kind === 'commands') {
      operations[`send-${queue.id}`] = {
        action: 'send',
        title: 'identity sends commands',
        summary:
          'SendMessage straight to the queue (never through a topic), with the message attribute `type`.',
        channel: ref(`#/channels/${queue.id}`),
        messages: types.map((t) => ref(`#/channels/${queue.id}/messages/${t}`)),
      };
    }
  }

  return {
    asyncapi: ASYNCAPI_VERSION,
    id: 'urn:authplatform:events',
    info: {
      title: 'Authplatform event backbone',
      version: options.version ?? '1.0.0',
      description: [
        'Events of the five platform services (CloudEvents 1.0, JSON structured mode) on one standard SNS',
        'topic per producer, and the commands to notifications. Generated from `packages/contracts`; do not',
        'edit by hand. Subscribe your own SQS queue to a topic with raw message delivery and a filter policy',
        'on the message attribute `type` (see docs/events.md). Each event names its data schema in',
        '`dataschema`; types tagged `internal` are not meant for consumers outside the platform.',
        `Producers: ${SERVICE_NAMES.join(', ')}.`,
      ].join('\n'),
    },
    defaultContentType: CLOUDEVENTS_JSON_CONTENT_TYPE,
    servers: {
      sns: {
        host: 'sns.{region}.amazonaws.com',
        protocol: 'sns',
        description: 'Amazon SNS (LocalStack or fauxqs on http://localhost:4566 in development)',
        variables: { region: { default: 'us-east-1' } },
      },
      sqs: {
        host: 'sqs.{region}.amazonaws.com',
        protocol: 'sqs',
        description: 'Amazon SQS (LocalStack or fauxqs on http://localhost:4566 in development)',
        variables: { region: { default: 'us-east-1' } },
      },
    },
    channels,
    operations,
    components: {
      parameters: {
        env: {
          description: 'Environment prefix of every topic and queue name',
          default: 'dev',
          examples: ['dev', 'prod'],
        },
      },
      schemas: componentSchemas,
      messages,
    },
  };
}
