// The v1 event catalogue (events.md, "Catalogue (v1)"): every type with its data schema and examples.
import type { Static } from '@sinclair/typebox';
import { ContractError } from '../errors.ts';
import type { ServiceName } from '../services.ts';
import { auditEvents } from './audit.ts';
import { authzEvents } from './authz.ts';
import type { EventDefinition } from './define.ts';
import { identityEvents } from './identity.ts';
import { notificationsEvents } from './notifications.ts';
import { webhooksEvents } from './webhooks.ts';

const definitions = [
  ...identityEvents,
  ...authzEvents,
  ...notificationsEvents,
  ...webhooksEvents,
  ...auditEvents,
] as const;

type Definition = (typeof definitions)[number];

/** Every event type of the catalogue. */
export type EventType = Definition['type'];

export type EventDefinitionOf<T extends EventType> = Extract<Definition, { type: T }>;

/** The data of an event type, in its current version. */
export type EventData<T extends EventType> = Static<EventDefinitionOf<T>['data']>;

/** Every event type, in catalogue order (by producer, as events.md lists them). */
export const eventTypes: readonly EventType[] = definitions.map((d) => d.type);

/** Type → its definition: data schema, version, examples, consumers, subject template. */
export const eventCatalogue = Object.freeze(
  Object.fromEntries(definitions.map((d) => [d.type, d])) as {
    readonly [T in EventType]: EventDefinitionOf<T>;
  },
);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(eventCatalogue, value);
}

/** The definition of a type, widened for generic code. */
export function eventDefinition(type: EventType): EventDefinition {
  const definition: EventDefinition | undefined = eventCatalogue[type];
  if (definition === undefined)
    throw new ContractError('unknown_event_type', `Unknown event type "${type}".`);
  return definition;
}

/** The service that publishes `type` (on its `<service>-events` topic). */
export function producerOf(type: EventType): ServiceName {
  return eventDefinition(type).producer;
}

/** Types that are never delivered to customers' webhook endpoints. */
export function isInternalEvent(type: EventType): boolean {
  return eventDefinition(type).internal;
}

/** Types that customers can receive (webhooks) and subscribe to. */
export const publicEventTypes: readonly EventType[] = eventTypes.filter((t) => !eventCatalogue[t].internal);
