/**
 * The settings `queueMessage` needs (data encryption key, OTP limits) and the in-process wake-up of
 * the delivery workers. The delivery plugin registers them when the service starts, so the event
 * and command handlers, which are declared at module level, call `queueMessage(trx, input)` with
 * nothing else; tests may pass settings explicitly.
 */
import { createDataCipher, type DataCipher } from './data-cipher.ts';

export interface DeliverySettings {
  cipher: DataCipher;
  otp: { perRecipient: number; perUser: number };
}

let registered: DeliverySettings | undefined;

export function registerDeliverySettings(settings: DeliverySettings): () => void {
  registered = settings;
  return () => {
    if (registered === settings) registered = undefined;
  };
}

export class DeliveryNotConfiguredError extends Error {
  readonly code = 'delivery_not_configured';
  constructor() {
    super('Delivery is not started: add deliveryPlugin() to the service, or pass settings to queueMessage.');
    this.name = 'DeliveryNotConfiguredError';
  }
}

export function currentDeliverySettings(): DeliverySettings {
  if (registered === undefined) throw new DeliveryNotConfiguredError();
  return registered;
}

export function deliverySettingsFrom(config: {
  MESSAGE_DATA_ENCRYPTION_KEY?: string | undefined;
  OTP_MAX_PER_RECIPIENT_PER_HOUR: number;
  OTP_MAX_PER_USER_PER_HOUR: number;
}): DeliverySettings {
  return {
    cipher: createDataCipher(config.MESSAGE_DATA_ENCRYPTION_KEY),
    otp: { perRecipient: config.OTP_MAX_PER_RECIPIENT_PER_HOUR, perUser: config.OTP_MAX_PER_USER_PER_HOUR },
  };
}

const wakers = new Set<() => void>();

/** Registers a worker's wake-up; returns its removal. */
export function onDeliveryWake(wake: () => void): () => void {
  wakers.add(wake);
  return () => wakers.delete(wake);
}

/**
 * Wakes the delivery workers of this process: call it after the transaction that queued messages
 * committed (e.g. the consumer's `afterCommit`). Before the commit the workers would not see the rows.
 */
export function wakeDelivery(): void {
  for (const wake of wakers) wake();
}
