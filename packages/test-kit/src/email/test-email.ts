import { SESClient } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { AwsEndpoint } from '../broker/test-broker.ts';
import { randomTag } from '../env/random.ts';
import { awsCredentials, testResources } from '../env/resources.ts';
import { TestKitError } from '../errors.ts';
import { type InboxEmail, isAddressedTo, readInbox } from './inbox.ts';

export interface TestEmail extends AwsEndpoint {
  /** `SES_ENDPOINT_URL` or `aws-ses-v2-local`. */
  source: string;
  /** A mail domain of this suite only, e.g. `t1a2b3c4d5.example.test`. */
  domain: string;
  /** `local@<domain>`: an address whose mail `readInbox()` returns. */
  address(local: string): string;
  /** The mail sent to this suite's domain, oldest first. */
  readInbox(): Promise<InboxEmail[]>;
  /** Polls the inbox until a mail of this suite matches; throws `email_timeout`. */
  waitForEmail(match: (mail: InboxEmail) => boolean, options?: { timeoutMs?: number }): Promise<InboxEmail>;
}

/**
 * The SES endpoint of this jest run. Suites share one emulator and stay apart by recipient domain:
 * send to `address('ada')` and read with `readInbox()`.
 */
export function testEmail(): TestEmail {
  const { email } = testResources();
  const domain = `t${randomTag(10)}.example.test`;
  const ours = (mail: InboxEmail) => isAddressedTo(mail, (a) => a.toLowerCase().endsWith(`@${domain}`));
  const read = async () => (await readInbox(email.endpoint)).filter(ours);
  return {
    source: email.source,
    endpoint: email.endpoint,
    region: email.region,
    credentials: awsCredentials(),
    domain,
    address: (local) => `${local}@${domain}`,
    readInbox: read,
    async waitForEmail(match, { timeoutMs = 5_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await read()).find(match);
        if (found) return found;
        if (Date.now() >= deadline) {
          throw new TestKitError('email_timeout', `No matching mail to @${domain} within ${timeoutMs} ms.`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

export interface SesClients {
  ses: SESClient;
  sesv2: SESv2Client;
  destroy(): void;
}

/** Real SES (v1 and v2) SDK clients pointed at the test endpoint. */
export function createSesClients(target: AwsEndpoint): SesClients {
  const config = { endpoint: target.endpoint, region: target.region, credentials: target.credentials };
  const ses = new SESClient(config);
  const sesv2 = new SESv2Client(config);
  return {
    ses,
    sesv2,
    destroy() {
      ses.destroy();
      sesv2.destroy();
    },
  };
}
