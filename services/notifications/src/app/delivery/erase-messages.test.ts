import { createHash } from 'node:crypto';
/**
 * Erasure of a user's messages: the recipient and user id are pseudonymised, pending template data
 * and dev-outbox copies deleted, a still-queued message is never sent; other people's messages and
 * the suppression list are untouched.
 */

import { uuidv7 } from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { type DeliveryHarness, startDeliveryService } from './delivery.test-support.ts';
import { eraseMessagesOf } from './erase-messages.ts';

let h: DeliveryHarness;

beforeAll(async () => {
  h = await startDeliveryService();
});

afterAll(async () => {
  await h?.stop();
});

describe('eraseMessagesOf', () => {
  it("pseudonymises the user's messages and stops the pending one", async () => {
    const userId = uuidv7();
    const email = h.email.address('erase-me');
    const other = h.email.address('keep-me');
    const sent = await h.queue({ channel: 'email', recipient: email, userId });
    await h.waitForMessage(sent.messageId, (m) => m.status === 'sent');
    const byAddress = await h.queue({ channel: 'sms', recipient: '+14155551001' });
    await h.waitForMessage(byAddress.messageId, (m) => m.status === 'sent');
    const kept = await h.queue({ channel: 'email', recipient: other });
    await h.waitForMessage(kept.messageId, (m) => m.status === 'sent');
    // One still waiting (its retry is an hour away).
    const pending = await h.db.transaction().execute(async (trx) => {
      const { queueMessage } = await import('./queue-message.ts');
      const r = await queueMessage(trx, {
        sourceId: uuidv7(),
        channel: 'email',
        recipient: email,
        userId,
        templateKey: 'otp-code',
        locale: 'en',
        category: 'security',
        data: h.renderer.sampleData('otp-code'),
      });
      await sql`update messages set next_attempt_at = now() + interval '1 hour' where id = ${r.messageId}`.execute(
        trx,
      );
      return r;
    });
    await h.db
      .insertInto('suppressions')
      .values({
        address: email,
        channel: 'email',
        reason: 'complaint',
        provider: 'ses',
        message_id: null,
        detail: null,
      })
      .execute();

    const result = await h.db
      .transaction()
      .execute((trx) =>
        eraseMessagesOf(trx, { userId, recipients: [email.toUpperCase(), '+1 415 555 1001'] }),
      );
    expect(result).toEqual({ messages: 3 });

    const pseudonyms = new Set<string>();
    for (const id of [sent.messageId, byAddress.messageId, pending.messageId]) {
      const row = await h.message(id);
      expect(row.recipient).toMatch(/^erased:[0-9a-f]{16}$/);
      // Not a hash of the address (anyone knowing it could recompute that), and unlinkable.
      expect(row.recipient).not.toBe(
        `erased:${createHash('sha256').update(email).digest('hex').slice(0, 16)}`,
      );
      pseudonyms.add(row.recipient);
      expect(row.user_id).toBeNull();
      expect(row.data_ciphertext).toBeNull();
      expect(row.erased_at).toBeInstanceOf(Date);
    }
    expect(pseudonyms.size).toBe(3);
    expect(await h.message(pending.messageId)).toMatchObject({ status: 'failed', failure_code: 'erased' });
    expect((await h.message(sent.messageId)).status).toBe('sent');
    expect((await h.message(kept.messageId)).recipient).toBe(other);
    const text = JSON.stringify(
      await h.db.selectFrom('messages').selectAll().where('erased_at', 'is not', null).execute(),
    );
    expect(text).not.toContain(email);
    expect(text).not.toContain('+14155551001');
    expect(
      await h.db.selectFrom('suppressions').select('address').where('address', '=', email).execute(),
    ).toHaveLength(1);

    // Erasing again touches nothing.
    expect(
      await h.db.transaction().execute((trx) => eraseMessagesOf(trx, { userId, recipients: [email] })),
    ).toEqual({
      messages: 0,
    });
  });
});
