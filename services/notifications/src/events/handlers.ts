/**
 * Handlers of the `notifications-commands` queue (every command of the catalogue) and of the events
 * notifications consumes (`handledEvents.notifications` in @authplatform/contracts), built by
 * `createHandlers(deps)` for `messagingPlugin('notifications', …)`. Each runs in the consumer's
 * transaction (with the inbox row), and queues messages through delivery's `queueMessage` with the
 * command or event id as source, so a redelivery never makes a second message.
 *
 * - commands → the message they name (recipient, locale and link or code from the command);
 * - `identity.user.registered|updated|email_changed` → the contact projection (user → email, phone,
 *   name, locale, time zone), converging under duplicates and reordering (`domain/contacts`); an
 *   email change also alerts the old address (`security-alert-email-changed`);
 * - `identity.login.succeeded` with `new_device`, `identity.password.changed`, `identity.mfa.*`,
 *   `identity.user.locked`, `identity.token.reuse_detected`, `audit.security.detected` → a security
 *   alert to the user's address (and, for detections, to `SECURITY_CONTACT_EMAIL` when set);
 * - `webhooks.delivery.exhausted` → `webhook-failing` to the endpoint's owner (category `operations`);
 * - `identity.user.deleted`, `audit.compliance.erasure_requested` → erasure (`app/compliance`);
 * - `audit.compliance.export_requested` → this service's part of the export;
 * - `identity.user.unlocked`, `audit.compliance.export_completed|erasure_completed` → nothing to send
 *   (acknowledged so that they do not dead-letter).
 *
 * An alert about a user whose contact has not arrived yet (events are not ordered) fails, so that
 * it is retried with backoff; after `CONTACT_WAIT_RECEIVES` deliveries it is dropped with a warning
 * (a user from before notifications kept contacts would otherwise fill the DLQ).
 */
import {
  type CloudEvent,
  type Command,
  type CommandData,
  type CommandType,
  commandTypes,
  type EventData,
  type EventType,
} from '@authplatform/contracts';
import type {
  ComplianceExportParts,
  HandlerContext,
  HandlerMap,
  MessageHandler,
} from '@authplatform/messaging';
import type { Kysely, Transaction } from 'kysely';
import type { EraseMessages } from '../app/compliance/erase-user.ts';
import { eraseUser } from '../app/compliance/erase-user.ts';
import { exportUser } from '../app/compliance/export-user.ts';
import { type NotifyOutcome, notify } from '../app/notify/notify.ts';
import type { QueueMessage } from '../app/notify/ports.ts';
import type { ContactUpdate } from '../domain/contacts/contact.ts';
import { orderKey } from '../domain/contacts/ordering.ts';
import { COMMAND_MESSAGES, EVENT_MESSAGES, type MessagePlan } from '../domain/routing/messages.ts';
import { contactsStore } from '../store/contacts/contacts-store.ts';
import type { NotificationsDatabase } from '../store/database.ts';
import { HandlerError } from './errors.ts';

const UUID_SUBJECT = /^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Deliveries of an alert that wait for the user's contact before it is dropped. */
export const CONTACT_WAIT_RECEIVES = 4;

export interface HandlerDeps {
  /** Delivery's idempotent queueing (H4a). */
  queueMessage: QueueMessage;
  /** Delivery's pseudonymisation of a user's stored messages (H4a). */
  eraseMessages: EraseMessages;
  /** Locale of alerts when the contact has none. */
  defaultLocale: string;
  /** Where security detections are also sent (the organisation's security contact), if anywhere. */
  securityContactEmail?: string | undefined;
  /** Where export parts are stored (messaging's `complianceExports`); absent: export requests fail and wait in the DLQ. */
  complianceExports?: Pick<ComplianceExportParts, 'put'> | undefined;
}

export interface NotificationsHandlers {
  events: HandlerMap<CloudEvent, NotificationsDatabase>;
  commands: HandlerMap<Command, NotificationsDatabase>;
}

type Ctx = HandlerContext<NotificationsDatabase>;

/** A handler typed by its event type (the consumer validated `data` against the catalogue first). */
function on<T extends EventType>(
  _type: T,
  handler: (event: CloudEvent<T, EventData<T>>, context: Ctx) => Promise<void>,
): MessageHandler<CloudEvent, NotificationsDatabase> {
  return (event, context) => handler(event as CloudEvent<T, EventData<T>>, context);
}

const contacts = (trx: Transaction<NotificationsDatabase>) =>
  contactsStore(trx as unknown as Kysely<NotificationsDatabase>);

/** Logs what did not become a message (never the address or the data). */
function report(result: NotifyOutcome, plan: MessagePlan, log: Ctx['log']): void {
  if (result.outcome === 'skipped_by_preferences') {
    log.info('no message: the user opted out of the category', {
      category: plan.category,
      template: plan.templateKey,
    });
  } else if (result.outcome === 'refused') {
    log.warn('no message: delivery refused the request', {
      code: result.code,
      reason: result.reason,
      template: plan.templateKey,
    });
  }
}

export function createHandlers(deps: HandlerDeps): NotificationsHandlers {
  /** Sends `plan` to the user the event is about, in their locale and time zone. */
  async function alertUser(
    event: CloudEvent,
    userId: string,
    plan: MessagePlan,
    data: Record<string, unknown>,
    { trx, log, receiveCount, afterCommit }: Ctx,
    /** Another address than the contact's (the old one, for an email change). */
    address?: string,
  ): Promise<void> {
    const contact = await contacts(trx).find(userId);
    if (contact?.erasedAt != null) {
      log.info('no message: the user was erased', { template: plan.templateKey });
      return;
    }
    const email = address ?? contact?.values.email ?? null;
    if (email === null) {
      if (receiveCount < CONTACT_WAIT_RECEIVES) {
        throw new HandlerError(
          'contact_not_known_yet',
          `no email known yet for user ${userId}; retried until identity.user.registered arrives`,
        );
      }
      log.warn('no message: no email known for the user', { template: plan.templateKey, user_id: userId });
      return;
    }
    const result = await notify(
      trx,
      deps.queueMessage,
      {
        sourceId: event.id,
        channel: plan.channel,
        recipient: email,
        userId,
        templateKey: plan.templateKey,
        locale: contact?.values.locale ?? deps.defaultLocale,
        ...(contact?.values.timezone == null ? {} : { timezone: contact.values.timezone }),
        category: plan.category,
        data: {
          ...(contact?.values.name == null ? {} : { name: contact.values.name }),
          occurred_at: event.time ?? new Date().toISOString(),
          ...data,
        },
      },
      afterCommit,
    );
    report(result, plan, log);
  }

  const updateContact = async (event: CloudEvent, userId: string, update: ContactUpdate, { trx }: Ctx) => {
    await contacts(trx).update(userId, update, orderKey(event));
  };

  const nothingToSend = async () => undefined;

  const events: HandlerMap<CloudEvent, NotificationsDatabase> = {
    'identity.user.registered': on('identity.user.registered', async (event, ctx) => {
      const { user_id, email, name, locale, timezone } = event.data;
      await updateContact(
        event,
        user_id,
        { email, locale, timezone, ...(name === undefined ? {} : { name }) },
        ctx,
      );
    }),
    'identity.user.updated': on('identity.user.updated', async (event, ctx) => {
      const update: ContactUpdate = {};
      for (const field of event.data.changed) update[field] = event.data[field] ?? null;
      await updateContact(event, event.data.user_id, update, ctx);
    }),
    'identity.user.email_changed': on('identity.user.email_changed', async (event, ctx) => {
      const { user_id, old_email, new_email } = event.data;
      await updateContact(event, user_id, { email: new_email }, ctx);
      // The old address learns of the change (an account takeover usually starts with one).
      await alertUser(event, user_id, EVENT_MESSAGES.emailChanged, { old_email, new_email }, ctx, old_email);
    }),
    'identity.user.locked': on('identity.user.locked', async (event, ctx) => {
      const { user_id, reason, until } = event.data;
      await alertUser(
        event,
        user_id,
        EVENT_MESSAGES.userLocked,
        { reason, ...(until ? { until } : {}) },
        ctx,
      );
    }),
    'identity.user.unlocked': on('identity.user.unlocked', nothingToSend),
    'identity.user.deleted': on('identity.user.deleted', async (event, { trx }) => {
      await eraseUser(trx, deps.eraseMessages, {
        requestId: event.data.erasure_request_id,
        userId: event.data.user_id,
      });
    }),
    'identity.login.succeeded': on('identity.login.succeeded', async (event, ctx) => {
      const { user_id, new_device, ip, user_agent, client_id } = event.data;
      if (!new_device) return;
      const data = { ip, user_agent, ...(client_id === undefined ? {} : { client_id }) };
      await alertUser(event, user_id, EVENT_MESSAGES.newDeviceLogin, data, ctx);
    }),
    'identity.token.reuse_detected': on('identity.token.reuse_detected', async (event, ctx) => {
      const { user_id, ip, user_agent, client_id } = event.data;
      const data = {
        ip,
        ...(user_agent === undefined ? {} : { user_agent }),
        ...(client_id === undefined ? {} : { client_id }),
      };
      await alertUser(event, user_id, EVENT_MESSAGES.tokenReuse, data, ctx);
    }),
    'identity.password.changed': on('identity.password.changed', async (event, ctx) => {
      const { user_id, method, sessions_revoked } = event.data;
      const data = { method, ...(sessions_revoked === undefined ? {} : { sessions_revoked }) };
      await alertUser(event, user_id, EVENT_MESSAGES.passwordChanged, data, ctx);
    }),
    'identity.mfa.enrolled': on('identity.mfa.enrolled', async (event, ctx) => {
      const { user_id, method, actor } = event.data;
      await alertUser(
        event,
        user_id,
        EVENT_MESSAGES.mfaEnrolled,
        { method, ...(actor ? { actor } : {}) },
        ctx,
      );
    }),
    'identity.mfa.removed': on('identity.mfa.removed', async (event, ctx) => {
      const { user_id, method, actor } = event.data;
      await alertUser(
        event,
        user_id,
        EVENT_MESSAGES.mfaRemoved,
        { method, ...(actor ? { actor } : {}) },
        ctx,
      );
    }),
    'webhooks.delivery.exhausted': on('webhooks.delivery.exhausted', async (event, ctx) => {
      const { owner_id, endpoint_id, url_host, event_id, event_type, attempts, last_status } = event.data;
      if (owner_id === undefined) {
        ctx.log.info('no message: the failing endpoint has no owner', { endpoint_id });
        return;
      }
      await alertUser(
        event,
        owner_id,
        EVENT_MESSAGES.webhookFailing,
        {
          endpoint_id,
          url_host,
          event_id,
          event_type,
          attempts,
          ...(last_status === undefined ? {} : { last_status }),
        },
        ctx,
      );
    }),
    'audit.security.detected': on('audit.security.detected', async (event, ctx) => {
      const { rule, severity, ip, subject } = event.data;
      // The user it is about: `user_id`, or an authz subject `user:<id>`.
      const fromSubject = subject !== undefined && UUID_SUBJECT.test(subject) ? subject.slice(5) : undefined;
      const user_id = event.data.user_id ?? fromSubject;
      const data = { rule, severity, ...(ip === undefined ? {} : { ip }) };
      const plan = EVENT_MESSAGES.securityDetected;
      if (deps.securityContactEmail !== undefined) {
        // The organisation's security contact: no user, no preferences, the default locale.
        const result = await notify(
          ctx.trx,
          deps.queueMessage,
          {
            sourceId: event.id,
            channel: plan.channel,
            recipient: deps.securityContactEmail,
            templateKey: plan.templateKey,
            locale: deps.defaultLocale,
            category: plan.category,
            data: { occurred_at: event.time ?? new Date().toISOString(), ...data },
          },
          ctx.afterCommit,
        );
        report(result, plan, ctx.log);
      }
      if (user_id !== undefined) await alertUser(event, user_id, plan, data, ctx);
    }),
    'audit.compliance.export_requested': on('audit.compliance.export_requested', async (event, { trx }) => {
      if (deps.complianceExports === undefined) {
        throw new HandlerError(
          'export_unavailable',
          `notifications cannot export its part of compliance request ${event.data.request_id} yet; ` +
            'the message stays in the DLQ for a redrive',
        );
      }
      await exportUser(trx, deps.complianceExports, {
        requestId: event.data.request_id,
        userId: event.data.user_id,
      });
    }),
    'audit.compliance.erasure_requested': on('audit.compliance.erasure_requested', async (event, { trx }) => {
      await eraseUser(trx, deps.eraseMessages, {
        requestId: event.data.request_id,
        userId: event.data.user_id,
      });
    }),
    'audit.compliance.export_completed': on('audit.compliance.export_completed', nothingToSend),
    'audit.compliance.erasure_completed': on('audit.compliance.erasure_completed', nothingToSend),
  };

  /** A command handler: the command names recipient, locale and template data. */
  function command<T extends CommandType>(type: T): MessageHandler<Command, NotificationsDatabase> {
    const plan = COMMAND_MESSAGES[type];
    return async (message, { trx, afterCommit, log }) => {
      const data = message.data as CommandData<T>;
      const recipient = data.recipient as { user_id?: string; email?: string; phone?: string; name?: string };
      const address = plan.channel === 'sms' ? recipient.phone : recipient.email;
      if (address === undefined) throw new Error(`${type} without a ${plan.channel} recipient`);
      const result = await notify(
        trx,
        deps.queueMessage,
        {
          sourceId: message.id,
          channel: plan.channel,
          recipient: address,
          ...(recipient.user_id === undefined ? {} : { userId: recipient.user_id }),
          templateKey: plan.templateKey,
          locale: data.locale,
          ...(data.timezone === undefined ? {} : { timezone: data.timezone }),
          category: plan.category,
          data: {
            ...(recipient.name === undefined ? {} : { name: recipient.name }),
            ...(data.template_data as Record<string, unknown>),
          },
        },
        afterCommit,
      );
      report(result, plan, log);
    };
  }

  const commands = Object.fromEntries(commandTypes.map((type) => [type, command(type)])) as HandlerMap<
    Command,
    NotificationsDatabase
  >;
  return { events, commands };
}
