/**
 * Delivery for the handler tests: the real `queueMessage` and `eraseMessagesOf` of delivery, with
 * settings registered as the delivery plugin does at start (development data key, default OTP limits).
 */
import type { EraseMessages } from '../app/compliance/erase-user.ts';
import { deliverySettingsFrom, registerDeliverySettings } from '../app/delivery/delivery-settings.ts';
import { eraseMessagesOf } from '../app/delivery/erase-messages.ts';
import { queueMessage } from '../app/delivery/queue-message.ts';
import type { QueueMessage } from '../app/notify/ports.ts';

export function deliveryForTests(): { queueMessage: QueueMessage; eraseMessages: EraseMessages } {
  registerDeliverySettings(
    deliverySettingsFrom({ OTP_MAX_PER_RECIPIENT_PER_HOUR: 5, OTP_MAX_PER_USER_PER_HOUR: 5 }),
  );
  return { queueMessage, eraseMessages: eraseMessagesOf };
}
