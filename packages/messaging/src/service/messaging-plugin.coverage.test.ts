import { describe, expect, it } from '@jest/globals';
import { type MessagingServiceContext, messagingPlugin } from './messaging-plugin.ts';

describe('messaging plugin start-up checks', () => {
  it('refuses handlers for types the service inbox never receives, before opening anything', async () => {
    const plugin = messagingPlugin('authz', {
      events: { 'webhooks.endpoint.created': async () => {} },
    });
    // Nothing of the context is touched when the check fails: no database, no broker client.
    const context = {} as MessagingServiceContext;
    await expect(plugin.start({ ...context, config: {} as never } as never)).rejects.toThrow(
      /authz has handlers for types its inbox is not subscribed to: webhooks\.endpoint\.created/,
    );
  });
});
