/**
 * Handlers of the events webhooks consumes (`handledEvents.webhooks` in @authplatform/contracts): every
 * public event type fans out to the endpoints that subscribed to it; the data-subject requests
 * (`audit.compliance.erasure_requested|export_requested`, internal) erase or export what webhooks holds
 * about the user and report back. Each runs in the consumer's transaction with the inbox row.
 */
import {
  type CloudEvent,
  createEvent,
  type EventData,
  type EventType,
  handledEvents,
} from '@authplatform/contracts';
import {
  type ComplianceExportParts,
  enqueueEvent,
  type HandlerContext,
  type HandlerMap,
  type MessageHandler,
} from '@authplatform/messaging';
import { eraseSubject, exportSubject } from '../app/compliance/subject-data.ts';
import { fanOut } from '../app/delivery/fan-out.ts';
import type { WebhooksDatabase } from '../store/webhooks/schema.ts';

export interface WebhooksHandlerDeps {
  complianceExports: ComplianceExportParts;
  /** Called after a commit that created messages: the delivery worker looks for work at once. */
  wake: () => void;
}

const COMPLIANCE_REQUESTS: ReadonlySet<string> = new Set([
  'audit.compliance.erasure_requested',
  'audit.compliance.export_requested',
]);

function on<T extends EventType>(
  _type: T,
  handler: (event: CloudEvent<T, EventData<T>>, context: HandlerContext<WebhooksDatabase>) => Promise<void>,
): MessageHandler<CloudEvent, WebhooksDatabase> {
  return (event, context) => handler(event as CloudEvent<T, EventData<T>>, context);
}

export function createHandlers(deps: WebhooksHandlerDeps): HandlerMap<CloudEvent, WebhooksDatabase> {
  const deliver: MessageHandler<CloudEvent, WebhooksDatabase> = async (event, { trx, afterCommit }) => {
    if ((await fanOut(trx, event)) > 0) afterCommit(deps.wake);
  };
  const handlers: Record<string, MessageHandler<CloudEvent, WebhooksDatabase>> = Object.fromEntries(
    handledEvents.webhooks.filter((t) => !COMPLIANCE_REQUESTS.has(t)).map((t) => [t, deliver]),
  );
  handlers['audit.compliance.erasure_requested'] = on(
    'audit.compliance.erasure_requested',
    async (event, { trx }) => {
      const { request_id: requestId, user_id: userId } = event.data;
      const counts = await eraseSubject(trx, userId);
      await enqueueEvent(
        trx,
        createEvent('webhooks.compliance.erasure_completed', {
          request_id: requestId,
          user_id: userId,
          counts,
        }),
      );
    },
  );
  handlers['audit.compliance.export_requested'] = on(
    'audit.compliance.export_requested',
    async (event, { trx }) => {
      const { request_id: requestId, user_id: userId } = event.data;
      const part = await exportSubject(trx, userId);
      const ready = await deps.complianceExports.put({
        service: 'webhooks',
        requestId,
        userId,
        records: part.records,
        part: part.data,
      });
      await enqueueEvent(trx, createEvent('webhooks.compliance.export_ready', ready));
    },
  );
  return handlers as HandlerMap<CloudEvent, WebhooksDatabase>;
}
