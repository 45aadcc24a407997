// @authplatform/contracts: the event envelope and catalogue, the commands, and the SNS/SQS topology.
// See docs/events.md (for teams outside this repo) and docs/asyncapi.yaml.

export type { AsyncApiOptions } from './asyncapi/asyncapi.ts';
export { buildAsyncApi } from './asyncapi/asyncapi.ts';
export type {
  CommandData,
  CommandDefinition,
  CommandDefinitionOf,
  CommandType,
} from './commands/catalogue.ts';
export {
  commandCatalogue,
  commandDefinitions,
  commandTypes,
  isCommandType,
  secretFields,
} from './commands/catalogue.ts';
export type { Command, CreateCommandOptions } from './commands/commands.ts';
export {
  CommandEnvelopeSchema,
  createCommand,
  isCommandOf,
  parseCommand,
  REDACTED,
  redactCommand,
  validateCommandData,
} from './commands/commands.ts';
export type { ContractErrorCode } from './errors.ts';
export { ContractError } from './errors.ts';
export type { EventData, EventDefinitionOf, EventType } from './events/catalogue.ts';
export {
  eventCatalogue,
  eventDefinition,
  eventTypes,
  isEventType,
  isInternalEvent,
  producerOf,
  publicEventTypes,
} from './events/catalogue.ts';
export type { PartService } from './events/compliance-parts.ts';
export type { EventDefinition, PreviousVersion } from './events/define.ts';
export { renderSubject } from './events/define.ts';
export type { CloudEvent } from './events/envelope.ts';
export {
  CLOUDEVENTS_JSON_CONTENT_TYPE,
  dataschemaUrl,
  EnvelopeSchema,
  parseDataschemaUrl,
  SCHEMA_BASE_URL,
  sourceOf,
} from './events/envelope.ts';
export type { CreateEventOptions } from './events/events.ts';
export {
  createEvent,
  createEventVersion,
  dataSchemaOf,
  isEventOf,
  parseEvent,
  validateEventData,
  versionOf,
} from './events/events.ts';
export { deterministicUuidv7, isUuidV7, uuidv7, uuidv7Time } from './ids.ts';
export type { JsonSchema } from './schemas.ts';
export {
  commandSchemas,
  dataJsonSchema,
  dataSchemas,
  envelopeSchema,
  eventJsonSchema,
  eventSchemaUrl,
  exampleCommands,
  exampleEvents,
  schemas,
} from './schemas.ts';
export type { ServiceName } from './services.ts';
export { isServiceName, SERVICE_NAMES } from './services.ts';
export type { QueueSpec, SubscriptionSpec, TopicSpec, Topology } from './topology/topology.ts';
export {
  buildTopology,
  COMMANDS_QUEUE_ID,
  consumersOf,
  DEFAULT_MAX_RECEIVE_COUNT,
  deadLetterIdOf,
  filterPolicyOf,
  handledEvents,
  inboxIdOf,
  inboxOf,
  MAX_FILTER_POLICY_VALUES,
  PROVIDER_FEEDBACK_VISIBILITY_TIMEOUT_SEC,
  physicalName,
  SES_EVENTS_QUEUE_ID,
  SES_EVENTS_TOPIC_ID,
  topicIdOf,
  topicOf,
  topology,
} from './topology/topology.ts';
export type { ParseFailureCode, ParseResult } from './validation/result.ts';
